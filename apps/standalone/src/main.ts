// `npm start`: migrations, then the API and the worker in one process, until SIGTERM.
import { startApi } from '@hookrail/api';
import { migrateWhenReachable } from '@hookrail/db';
import { createLogger, throttledWarnings } from '@hookrail/logger';
import { configOrExit, ensurePortFree, serve, waitingForPostgres } from '@hookrail/runtime';
import { Metrics, tracingFromConfig } from '@hookrail/telemetry';
import { startWorker } from '@hookrail/worker';
import { loadStandaloneConfig } from './config.ts';

const { api: apiConfig, worker: workerConfig } = configOrExit(() => loadStandaloneConfig());
const logger = createLogger({ name: 'hookrail', level: apiConfig.logLevel });
serve({
  logger,
  // Requests in flight may run for the whole request timeout before they are recorded.
  timeoutMs: Math.max(30_000, workerConfig.requestTimeoutMs + 15_000),
  start: async (signal) => {
    await ensurePortFree(apiConfig.port, 'PORT');
    await migrateWhenReachable(apiConfig.databaseUrl, {
      onUnavailable: waitingForPostgres(logger),
      timeoutMs: apiConfig.startupWaitMs,
      signal,
    });
    // One registry for both halves, served by the API's /metrics, and one tracer.
    const metrics = new Metrics();
    const warn = throttledWarnings(logger);
    const tracing = await tracingFromConfig(apiConfig, 'hookrail', (reason) =>
      warn('tracing', { reason }, 'spans could not be exported'),
    );
    const worker = await startWorker(workerConfig, logger.child({ role: 'worker' }), {
      metrics,
      tracing,
    }).catch(async (error: unknown) => {
      await tracing.shutdown();
      throw error;
    });
    // The worker may hold jobs already: a failed API start (its port in use) lets them go.
    const api = await startApi(apiConfig, logger.child({ role: 'api' }), {
      metrics,
      tracing,
    }).catch(async (error: unknown) => {
      await worker.close();
      await tracing.shutdown();
      throw error;
    });
    return {
      // Stop taking requests first, then let the worker finish what it holds; the spans of
      // both go last.
      async close() {
        await api.close();
        await worker.close();
        await tracing.shutdown();
      },
    };
  },
});
