export {
  createNodeConnection,
  createRedis,
  hashTag,
  redisKey,
  waitUntilReady,
  type RedisClient,
  type RedisConnectionOptions,
  type RedisNode,
  type RedisRole,
  type RedisTarget,
} from './redis.ts';
export { partitionIndexes, partitionOf, partitionTag } from './partitions.ts';
export { boundedClose, closeTimeoutMs } from './bounded-close.ts';
export { deliverJobId, jobs, type DeliverJob, type RunTaskJob } from './catalog.ts';
export {
  createDeliveryQueue,
  createDeliveryWorker,
  QueueUnavailableError,
  type DeliveryQueue,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
  type ProcessOutcome,
  type ScheduledJob,
} from './delivery-queue.ts';
export {
  createInvalidationChannel,
  type InvalidationChannel,
  type InvalidationChannelOptions,
} from './invalidation.ts';
export { createTaskQueue, startTaskWorker, type TaskQueue, type TaskWorker } from './task-queue.ts';
export {
  createEndpointGate,
  resetEndpointBreaker,
  type Admission,
  type AdmitRequest,
  type ReportRequest,
  type EndpointGate,
  type GateSettings,
  type Transition,
} from './endpoint-gate.ts';
export {
  createAuthThrottle,
  defaultAuthThrottleSettings,
  type AuthFailureVerdict,
  type AuthThrottle,
  type AuthThrottleSettings,
} from './auth-throttle.ts';
export {
  createIngestLimiter,
  type IngestLimiter,
  type IngestLimiterSettings,
  type IngestRate,
  type IngestVerdict,
} from './ingest-limit.ts';
export type { Redis } from 'ioredis';
export {
  appendStatusEvents,
  createStatusPublisher,
  parseStatusEntry,
  statusEventTypes,
  statusStreamKey,
  type NewStatusEvent,
  type StatusEvent,
  type StatusEventData,
  type StatusEventType,
  type StatusPublisher,
  type StatusStreamSettings,
} from './status-stream.ts';
export {
  compareStreamIds,
  createStatusReader,
  isStreamId,
  type StatusReader,
  type StatusReaderOptions,
} from './status-reader.ts';
export { createQueueDepthProbe, type QueueDepth, type QueueDepthProbe } from './queue-depth.ts';
export { taskProgress, type TaskFacts } from './task-progress.ts';
export {
  deliveriesCanceled,
  type CanceledFacts,
  type CancelReason,
} from './deliveries-canceled.ts';
