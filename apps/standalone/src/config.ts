// The all-in-one process (`npm start`) reads the API's settings and the worker's, from one
// environment; it has none of its own.
import { apiEnvVariables, loadApiConfig, type ApiConfig } from '@hookrail/api';
import { loadWorkerConfig, workerEnvVariables, type WorkerConfig } from '@hookrail/worker';

/**
 * Every environment variable the all-in-one process reads (the README's configuration
 * reference lists each). It ignores HOOKRAIL_WORKER_METRICS_PORT: its API serves one registry.
 */
export const standaloneEnvVariables: readonly string[] = [
  ...new Set([...apiEnvVariables, ...workerEnvVariables]),
];

export function loadStandaloneConfig(env?: Record<string, string | undefined>): {
  api: ApiConfig;
  worker: WorkerConfig;
} {
  return { api: loadApiConfig(env), worker: loadWorkerConfig(env) };
}
