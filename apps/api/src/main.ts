// The API process: configuration, migrations, then the HTTP server until SIGTERM.
import { migrateWhenReachable } from '@hookrail/db';
import { createLogger } from '@hookrail/logger';
import { configOrExit, ensurePortFree, serve, waitingForPostgres } from '@hookrail/runtime';
import { loadApiConfig } from './config.ts';
import { startApi } from './start.ts';

const config = configOrExit(() => loadApiConfig());
const logger = createLogger({ name: 'api', level: config.logLevel });
serve({
  logger,
  start: async (signal) => {
    await ensurePortFree(config.port, 'PORT');
    await migrateWhenReachable(config.databaseUrl, {
      onUnavailable: waitingForPostgres(logger),
      timeoutMs: config.startupWaitMs,
      signal,
    });
    return startApi(config, logger);
  },
});
