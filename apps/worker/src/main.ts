// The worker process: configuration, migrations, then the workers until SIGTERM.
import { migrateWhenReachable } from '@hookrail/db';
import { createLogger } from '@hookrail/logger';
import { configOrExit, ensurePortFree, serve, waitingForPostgres } from '@hookrail/runtime';
import { loadWorkerConfig } from './config.ts';
import { startWorker } from './start.ts';

const config = configOrExit(() => loadWorkerConfig());
const logger = createLogger({ name: 'worker', level: config.logLevel });
serve({
  logger,
  // Requests in flight may run for the whole request timeout before they are recorded.
  timeoutMs: Math.max(30_000, config.requestTimeoutMs + 15_000),
  start: async (signal) => {
    if (config.metricsPort !== undefined)
      await ensurePortFree(config.metricsPort, 'HOOKRAIL_WORKER_METRICS_PORT');
    await migrateWhenReachable(config.databaseUrl, {
      onUnavailable: waitingForPostgres(logger),
      timeoutMs: config.startupWaitMs,
      signal,
    });
    return startWorker(config, logger);
  },
});
