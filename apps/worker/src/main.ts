// The worker process: configuration, migrations, then the workers until SIGTERM.
import { migrateDatabase } from '@hookrail/db';
import { createLogger } from '@hookrail/logger';
import { boot, exitOnSignal } from '@hookrail/runtime';
import { loadWorkerConfig } from './config.ts';
import { startWorker } from './start.ts';

await boot(async () => {
  const config = loadWorkerConfig();
  const logger = createLogger({ name: 'worker', level: config.logLevel });
  await migrateDatabase(config.databaseUrl);
  const worker = await startWorker(config, logger);
  exitOnSignal({ logger, close: () => worker.close() });
});
