// `npm start`: migrations, then the API and the worker in one process, until SIGTERM.
import { loadApiConfig, startApi } from '@hookrail/api';
import { migrateDatabase } from '@hookrail/db';
import { createLogger } from '@hookrail/logger';
import { boot, exitOnSignal } from '@hookrail/runtime';
import { loadWorkerConfig, startWorker } from '@hookrail/worker';

await boot(async () => {
  const apiConfig = loadApiConfig();
  const workerConfig = loadWorkerConfig();
  const logger = createLogger({ name: 'hookrail', level: apiConfig.logLevel });
  await migrateDatabase(apiConfig.databaseUrl);
  const worker = await startWorker(workerConfig, logger.child({ role: 'worker' }));
  const api = await startApi(apiConfig, logger.child({ role: 'api' }));
  exitOnSignal({
    logger,
    // Stop taking requests first, then let the worker finish what it holds.
    close: async () => {
      await api.close();
      await worker.close();
    },
  });
});
