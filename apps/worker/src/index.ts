export { loadWorkerConfig, type WorkerConfig } from './config.ts';
export { startWorker, type RunningWorker, type StartWorkerOptions } from './start.ts';
export { reencrypt } from './reencrypt.ts';
