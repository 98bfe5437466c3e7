import { listenError, redisTarget } from '@hookrail/config';
import { checkEncryptionKey, createDatabase } from '@hookrail/db';
import { throttledWarnings, type Logger } from '@hookrail/logger';
import { outboundGuard, type Resolver } from '@hookrail/outbound';
import {
  createDeliveryQueue,
  createDeliveryWorker,
  createEndpointGate,
  createRedis,
  createStatusPublisher,
  createTaskQueue,
  startTaskWorker,
  type DeliveryWorker,
} from '@hookrail/queue';
import { keyCheck, loadVault, warnGeneratedKey } from '@hookrail/secrets';
import {
  Metrics,
  serveMetrics,
  tracingFromConfig,
  type MetricsServer,
  type Tracing,
} from '@hookrail/telemetry';
import { setTimeout as sleep } from 'node:timers/promises';
import { createHousekeeping } from './background/housekeeping.ts';
import { startReconciler } from './background/reconciler.ts';
import { createTaskRunner } from './background/run-task.ts';
import type { WorkerConfig } from './config.ts';
import { createDatabaseWatch } from './delivery/database-watch.ts';
import { EndpointLimits } from './delivery/endpoint-limits.ts';
import { createSender } from './delivery/http-sender.ts';
import { createDeliveryProcessor } from './delivery/processor.ts';
import { createRoundTrips } from './delivery/round-trips.ts';

export interface RunningWorker {
  /** The port of this worker's own `/metrics`, when it serves one. */
  metricsPort: number | undefined;
  close(): Promise<void>;
}

export interface StartWorkerOptions {
  /** Resolves endpoint host names. @defaultValue the system resolver */
  resolve?: Resolver;
  /**
   * Where the worker counts, served by the caller (the all-in-one process: the API's
   * `/metrics`). @defaultValue a registry of its own, served on `config.metricsPort` if set
   */
  metrics?: Metrics;
  /** Interface of the worker's metrics server. @defaultValue all interfaces */
  metricsHost?: string;
  /**
   * Where the attempts' spans go, shut down by the caller (the all-in-one process shares one
   * with its API). @defaultValue the worker's own, from `config` (off without an endpoint)
   */
  tracing?: Tracing;
}

/**
 * Opens the worker's connections and starts its loops: delivery jobs, retry tasks, and the
 * reconciler. `close` stops taking jobs, lets the ones in flight finish (each is bounded by
 * the request timeout), then closes connections in reverse order. A job cut short by a crash
 * is not lost: its delivery's claim expires and the reconciler queues it again.
 */
export async function startWorker(
  config: WorkerConfig,
  logger: Logger,
  options: StartWorkerOptions = {},
): Promise<RunningWorker> {
  const { vault, generatedKeyFile } = await loadVault(config.secrets);
  if (generatedKeyFile !== undefined) warnGeneratedKey(logger, generatedKeyFile);
  const metrics = options.metrics ?? new Metrics();
  // While Redis or Postgres is away these repeat for every job and reconnection: one line of
  // each kind per 10 s, counting the rest.
  const warn = throttledWarnings(logger);
  // First, so that a port in use stops the start before any connection is opened.
  let metricsServer: MetricsServer | undefined;
  if (options.metrics === undefined && config.metricsPort !== undefined) {
    const port = config.metricsPort;
    metricsServer = await serveMetrics({
      metrics,
      port,
      token: config.metricsToken,
      ...(options.metricsHost !== undefined && { host: options.metricsHost }),
    }).catch((error: unknown) => {
      throw listenError(error, port, 'HOOKRAIL_WORKER_METRICS_PORT');
    });
    logger.info({ port: metricsServer.port }, 'worker metrics listening');
  }
  const tracing =
    options.tracing ??
    (await tracingFromConfig(config, 'hookrail-worker', (reason) =>
      warn('tracing', { reason }, 'spans could not be exported'),
    ));
  const database = createDatabase({
    url: config.databaseUrl,
    applicationName: 'hookrail-worker',
    max: Math.min(20, Math.max(4, Math.ceil(config.concurrency / 5))),
    onIdleError: (error) => warn('postgres', { err: error }, 'idle database connection lost'),
  });
  // Before any connection to Redis: a wrong encryption key stops the start (exit 78).
  await checkEncryptionKey(database.db, keyCheck(vault)).catch(async (error: unknown) => {
    await database.close();
    await metricsServer?.close();
    if (options.tracing === undefined) await tracing.shutdown();
    throw error;
  });
  const target = redisTarget(config);
  const onRedisError = (error: Error) => warn('redis', { err: error }, 'redis connection error');
  const producer = createRedis({ ...target, role: 'producer', onError: onRedisError });
  const consumer = createRedis({ ...target, role: 'worker', onError: onRedisError });
  const status = createStatusPublisher({
    connection: producer,
    settings: {
      prefix: config.redisPrefix,
      windowMs: config.streamWindowMs,
      maxLen: config.streamMaxLen,
    },
  });
  const queue = createDeliveryQueue({
    connection: producer,
    prefix: config.redisPrefix,
    partitions: config.queuePartitions,
    status,
    onError: onRedisError,
  });
  const tasks = createTaskQueue({ connection: producer, prefix: config.redisPrefix });
  const sender = createSender({
    timeoutMs: config.requestTimeoutMs,
    guard: outboundGuard({
      allowedNetworks: config.allowedNetworks,
      httpsOnly: config.httpsOnly,
      ...(options.resolve && { resolve: options.resolve }),
    }),
  });

  let stopping = false;
  // The watch pauses the worker it is created for; the worker's processor reports to the watch.
  const pausable: { worker?: DeliveryWorker } = {};
  const watch = createDatabaseWatch({
    ping: () => database.ping(),
    onDown: () => pausable.worker?.pause(),
    onUp: () => pausable.worker?.resume(),
    logger,
  });
  const worker = createDeliveryWorker({
    connection: consumer,
    prefix: config.redisPrefix,
    partitions: config.queuePartitions,
    concurrency: config.concurrency,
    process: createDeliveryProcessor({
      status,
      trips: createRoundTrips({
        db: database.db,
        queue,
        status,
        logger,
        leaseMs: config.requestTimeoutMs + config.leaseMarginMs,
        now: Date.now,
        gate: createEndpointGate(
          producer,
          config.redisPrefix,
          {
            breakerFailures: config.breakerFailures,
            probeBaseMs: config.breakerProbeIntervalMs,
            probeMaxMs: Math.max(config.breakerProbeIntervalMs, 10 * 60_000),
            slowAfterMs: config.slowAfterMs,
            slowTotal: config.slowInflightTotal,
          },
          // Its calls carry the status events waiting (same connection and prefix).
          status,
        ),
      }),
      sender,
      vault,
      logger,
      limits: new EndpointLimits(database.db, config.endpointMaxInflight),
      policy: {
        scheduleSeconds: config.retryScheduleSeconds,
        throttleMinDelayMs: config.throttleMinDelayMs,
        disableAfterMs: config.disableAfterMs,
      },
      leaseMs: config.requestTimeoutMs + config.leaseMarginMs,
      slowAfterMs: config.slowAfterMs,
      slowInflight: config.slowInflight,
      databaseDown: () => watch.down(),
      stopping: () => stopping,
      now: Date.now,
      random: Math.random,
      metrics,
      tracing,
    }),
    onError: (error) => warn('worker', { err: error }, 'delivery worker error'),
    onJobFailed: (job, error) =>
      warn('job', { err: error, job }, 'delivery job failed; it will be retried'),
  });
  pausable.worker = worker;
  // A worker started while Postgres is away takes no job until it answers, like one that
  // lost it later: the watch starts it then.
  await database.ping().catch(() => watch.down());
  if (!watch.isDown) worker.resume();
  const taskWorker = startTaskWorker({
    connection: consumer,
    prefix: config.redisPrefix,
    runTask: createTaskRunner({
      db: database.db,
      queue,
      status,
      logger,
      ratePerSecond: config.recoveryRate,
      sleep: (ms) => sleep(ms),
    }),
    onError: (error) => warn('task', { err: error }, 'task worker error'),
  });
  const reconciler = startReconciler({
    db: database.db,
    queue,
    tasks,
    logger,
    intervalMs: config.reconcileIntervalMs,
    graceMs: Math.max(2000, 2 * config.reconcileIntervalMs),
    housekeeping: createHousekeeping({
      db: database.db,
      logger,
      retention: config.retention,
      deletionBatch: config.deletionBatch,
      status,
    }),
    housekeepingEveryMs: 60_000,
    metrics,
  });
  metrics.addSources({ statusDropped: () => status.droppedCount() });
  logger.info({ concurrency: config.concurrency }, 'worker ready');

  return {
    metricsPort: metricsServer?.port,
    async close() {
      stopping = true;
      await metricsServer?.close();
      await reconciler.stop();
      await Promise.all([worker.close(), taskWorker.close()]);
      watch.stop();
      await Promise.all([queue.close(), tasks.close(), status.flush()]);
      await sender.close();
      await Promise.all([
        producer.quit().catch(() => producer.disconnect()),
        consumer.quit().catch(() => consumer.disconnect()),
      ]);
      await database.close();
      // Last, once every attempt has ended its span; bounded (see startTracing).
      if (options.tracing === undefined) await tracing.shutdown();
    },
  };
}
