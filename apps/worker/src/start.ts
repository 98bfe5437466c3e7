import { createDatabase } from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import { createRedis } from '@hookrail/queue';
import type { WorkerConfig } from './config.ts';

export interface RunningWorker {
  close(): Promise<void>;
}

/**
 * Opens the worker's connections. Delivery, reconciliation and retention workers attach
 * here; `close` stops them and closes connections in reverse order.
 */
export async function startWorker(config: WorkerConfig, logger: Logger): Promise<RunningWorker> {
  const database = createDatabase({
    url: config.databaseUrl,
    applicationName: 'hookrail-worker',
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection lost'),
  });
  const redis = createRedis({
    url: config.redisUrl,
    waitWhileDisconnected: true,
    onError: (error) => logger.warn({ err: error }, 'redis connection error'),
  });
  await database.ping();
  logger.info('worker ready');
  return {
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      await database.close();
    },
  };
}
