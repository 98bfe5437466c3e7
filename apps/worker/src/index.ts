export { loadWorkerConfig, workerEnvVariables, type WorkerConfig } from './config.ts';
export { startWorker, type RunningWorker, type StartWorkerOptions } from './start.ts';
export { reencrypt } from './reencrypt.ts';
export { EndpointLimits, type Limits } from './delivery/endpoint-limits.ts';
export {
  createHousekeeping,
  type HousekeepingDeps,
  type HousekeepingReport,
} from './background/housekeeping.ts';
export { runDeletions, type DeletionReport } from './background/deletion.ts';
export { runRetention, type RetentionReport } from './background/retention.ts';
