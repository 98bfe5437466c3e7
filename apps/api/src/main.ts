// The API process: configuration, migrations, then the HTTP server until SIGTERM.
import { migrateDatabase } from '@hookrail/db';
import { createLogger } from '@hookrail/logger';
import { boot, exitOnSignal } from '@hookrail/runtime';
import { loadApiConfig } from './config.ts';
import { startApi } from './start.ts';

await boot(async () => {
  const config = loadApiConfig();
  const logger = createLogger({ name: 'api', level: config.logLevel });
  await migrateDatabase(config.databaseUrl);
  const api = await startApi(config, logger);
  exitOnSignal({ logger, close: () => api.close() });
});
