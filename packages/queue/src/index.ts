export {
  createRedis,
  hashTag,
  redisKey,
  waitUntilReady,
  type RedisConnectionOptions,
  type RedisRole,
} from './redis.ts';
export { deliverJobId, jobs, type DeliverJob } from './catalog.ts';
export {
  createDeliveryQueue,
  createDeliveryWorker,
  QueueUnavailableError,
  type DeliveryQueue,
  type DeliveryWorker,
  type DeliveryWorkerOptions,
  type ScheduledJob,
} from './delivery-queue.ts';
export type { Redis } from 'ioredis';
