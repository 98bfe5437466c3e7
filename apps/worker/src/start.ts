import { createDatabase } from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import {
  createDeliveryQueue,
  createDeliveryWorker,
  createEndpointGate,
  createRedis,
  startBackgroundWorkers,
} from '@hookrail/queue';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHousekeeping } from './background/housekeeping.ts';
import { createTaskRunner } from './background/run-task.ts';
import type { WorkerConfig } from './config.ts';
import { loadVault, warnGeneratedKey } from '@hookrail/secrets';
import { outboundGuard, type Resolver } from '@hookrail/outbound';
import { EndpointLimits } from './delivery/endpoint-limits.ts';
import { createSender } from './delivery/http-sender.ts';
import { createDeliveryProcessor } from './delivery/processor.ts';

export interface RunningWorker {
  close(): Promise<void>;
}

/** A claim outlasts the longest possible attempt by this much before it may be taken over. */
const leaseMarginMs = 30_000;

/**
 * Opens the worker's connections and starts taking delivery jobs; `close` stops taking jobs,
 * lets the ones in flight finish (each is bounded by the request timeout), then closes
 * connections in reverse order.
 */
export interface StartWorkerOptions {
  /** Resolves endpoint host names. @defaultValue the system resolver */
  resolve?: Resolver;
}

export async function startWorker(
  config: WorkerConfig,
  logger: Logger,
  options: StartWorkerOptions = {},
): Promise<RunningWorker> {
  const { vault, generatedKeyFile } = await loadVault(config.secrets);
  if (generatedKeyFile !== undefined) warnGeneratedKey(logger, generatedKeyFile);
  const database = createDatabase({
    url: config.databaseUrl,
    applicationName: 'hookrail-worker',
    max: Math.min(20, Math.max(4, Math.ceil(config.concurrency / 5))),
    onIdleError: (error) => logger.warn({ err: error }, 'idle database connection lost'),
  });
  const onRedisError = (error: Error) => logger.warn({ err: error }, 'redis connection error');
  const producer = createRedis({ url: config.redisUrl, role: 'producer', onError: onRedisError });
  const consumer = createRedis({ url: config.redisUrl, role: 'worker', onError: onRedisError });
  const queue = createDeliveryQueue({
    connection: producer,
    prefix: config.redisPrefix,
    onError: onRedisError,
  });
  const sender = createSender({
    timeoutMs: config.requestTimeoutMs,
    guard: outboundGuard({
      allowedNetworks: config.allowedNetworks,
      httpsOnly: config.httpsOnly,
      ...(options.resolve && { resolve: options.resolve }),
    }),
  });

  await database.ping();
  const worker = createDeliveryWorker({
    connection: consumer,
    prefix: config.redisPrefix,
    concurrency: config.concurrency,
    process: createDeliveryProcessor({
      db: database.db,
      queue,
      sender,
      vault,
      logger,
      gate: createEndpointGate(producer, config.redisPrefix, {
        breakerFailures: config.breakerFailures,
        probeBaseMs: config.breakerProbeIntervalMs,
        probeMaxMs: Math.max(config.breakerProbeIntervalMs, 10 * 60_000),
      }),
      limits: new EndpointLimits(database.db, config.endpointMaxInflight),
      retry: {
        scheduleSeconds: config.retryScheduleSeconds,
        throttleMinDelayMs: config.throttleMinDelayMs,
      },
      leaseMs: config.requestTimeoutMs + leaseMarginMs,
      disableAfterMs: config.disableAfterMs,
      now: Date.now,
      random: Math.random,
    }),
    onError: (error) => logger.warn({ err: error }, 'delivery worker error'),
    onJobFailed: (job, error) =>
      logger.warn({ err: error, job }, 'delivery job failed; it will be retried'),
  });
  const background = await startBackgroundWorkers({
    connection: consumer,
    prefix: config.redisPrefix,
    runTask: createTaskRunner({
      db: database.db,
      queue,
      logger,
      ratePerSecond: config.recoveryRate,
      sleep: (ms) => sleep(ms),
    }),
    maintain: createHousekeeping({ db: database.db, logger }),
    maintenanceEveryMs: 60_000,
    onError: (error) => logger.warn({ err: error }, 'background worker error'),
  });
  logger.info({ concurrency: config.concurrency }, 'worker ready');

  return {
    async close() {
      await Promise.all([worker.close(), background.close()]);
      await queue.close();
      await sender.close();
      await Promise.all([
        producer.quit().catch(() => producer.disconnect()),
        consumer.quit().catch(() => consumer.disconnect()),
      ]);
      await database.close();
    },
  };
}
