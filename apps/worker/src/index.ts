export { loadWorkerConfig, type WorkerConfig } from './config.ts';
export { startWorker, type RunningWorker } from './start.ts';
