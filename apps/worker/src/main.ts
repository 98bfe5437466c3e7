// The worker process: configuration, migrations, then the workers until SIGTERM.
import { migrateDatabase } from '@hookrail/db';
import { createLogger } from '@hookrail/logger';
import { configOrExit, serve } from '@hookrail/runtime';
import { loadWorkerConfig } from './config.ts';
import { startWorker } from './start.ts';

const config = configOrExit(() => loadWorkerConfig());
const logger = createLogger({ name: 'worker', level: config.logLevel });
serve({
  logger,
  start: async () => {
    await migrateDatabase(config.databaseUrl);
    return startWorker(config, logger);
  },
});
