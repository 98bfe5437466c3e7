import { listenError, redisTarget } from '@hookrail/config';
import { checkEncryptionKey, clusterGauges, createDatabase } from '@hookrail/db';
import { throttledWarnings, type Logger } from '@hookrail/logger';
import { outboundGuard } from '@hookrail/outbound';
import { keyCheck, loadVault, warnGeneratedKey } from '@hookrail/secrets';
import { Metrics, tracingFromConfig, type Tracing } from '@hookrail/telemetry';
import {
  createAuthThrottle,
  createDeliveryQueue,
  createInvalidationChannel,
  createQueueDepthProbe,
  createRedis,
  createStatusPublisher,
  createTaskQueue,
  waitUntilReady,
  type StatusStreamSettings,
} from '@hookrail/queue';
import { printAdminToken, resolveAdminTokenHash, resolveJwtSecret } from './admin-token.ts';
import { PortalTokens } from './portal-tokens.ts';
import { DashboardSessions } from './http/session.ts';
import { createApp } from './app.ts';
import type { ApiConfig } from './config.ts';
import { listen } from './server.ts';
import { within } from './within.ts';
import { startStatusStream, StreamTokens } from './stream/index.ts';

export interface RunningApi {
  port: number;
  close(): Promise<void>;
}

export interface StartApiOptions {
  /** Receives a generated admin token. @defaultValue prints it once on stdout */
  announceAdminToken?: (token: string) => void;
  /** Interface to bind. @defaultValue all interfaces */
  host?: string;
  /**
   * The registry `/metrics` serves; the all-in-one process passes the one its worker counts
   * into. @defaultValue a registry of the API's own
   */
  metrics?: Metrics;
  /**
   * Where request spans go, shut down by the caller (the all-in-one process shares one with
   * its worker). @defaultValue the API's own, from `config` (off without an endpoint)
   */
  tracing?: Tracing;
}

/** A scrape waits this long for Postgres or Redis, at most; a gauge that took longer is left out. */
const gaugeTimeoutMs = 2000;

/** Where the status stream lives and how much of it is kept. */
export function streamSettings(config: ApiConfig): StatusStreamSettings {
  return {
    prefix: config.redisPrefix,
    windowMs: config.streamWindowMs,
    maxLen: config.streamMaxLen,
  };
}

/** Opens the API's connections and starts serving; `close` undoes it in reverse order. */
export async function startApi(
  config: ApiConfig,
  logger: Logger,
  options: StartApiOptions = {},
): Promise<RunningApi> {
  const { vault, generatedKeyFile } = await loadVault(config.secrets);
  if (generatedKeyFile !== undefined) warnGeneratedKey(logger, generatedKeyFile);
  // While Redis or Postgres is away these repeat on every reconnection: one line per 10 s.
  const warn = throttledWarnings(logger);
  const database = createDatabase({
    url: config.databaseUrl,
    applicationName: 'hookrail-api',
    onIdleError: (error) => warn('postgres', { err: error }, 'idle database connection lost'),
  });
  // Before any connection to Redis: a wrong encryption key stops the start (exit 78).
  await checkEncryptionKey(database.db, keyCheck(vault)).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const target = redisTarget(config);
  const onRedisError = (error: Error) => warn('redis', { err: error }, 'redis connection error');
  const tracing =
    options.tracing ??
    (await tracingFromConfig(config, 'hookrail-api', (reason) =>
      warn('tracing', { reason }, 'spans could not be exported'),
    ));
  // Last, once every request has ended its span; bounded (see startTracing).
  const closeTracing = () => (options.tracing === undefined ? tracing.shutdown() : undefined);
  const redis = createRedis({ ...target, role: 'probe', onError: onRedisError });
  const producer = createRedis({ ...target, role: 'producer', onError: onRedisError });
  const status = createStatusPublisher({ connection: producer, settings: streamSettings(config) });
  const queue = createDeliveryQueue({
    connection: producer,
    prefix: config.redisPrefix,
    partitions: config.queuePartitions,
    status,
    onError: onRedisError,
  });
  const tasks = createTaskQueue({ connection: producer, prefix: config.redisPrefix });
  const authThrottle = createAuthThrottle(redis, config.redisPrefix);
  const invalidations = createInvalidationChannel({
    ...target,
    prefix: config.redisPrefix,
    publisher: producer,
    onError: onRedisError,
  });
  const depth = createQueueDepthProbe({
    connection: redis,
    prefix: config.redisPrefix,
    partitions: config.queuePartitions,
  });
  const closeRedis = async () => {
    await Promise.all([
      queue.close(),
      tasks.close(),
      status.flush(),
      invalidations.close(),
      depth.close(),
    ]);
    producer.disconnect();
    redis.disconnect();
  };
  try {
    const adminTokenHash = await resolveAdminTokenHash(
      database.db,
      config.adminToken,
      options.announceAdminToken ?? printAdminToken,
    );
    const jwtSecret = await resolveJwtSecret(database.db, config.jwtSecret, vault);
    const portalTokens = new PortalTokens(jwtSecret);
    const streamTokens = new StreamTokens(jwtSecret);
    const metrics = options.metrics ?? new Metrics();
    const { app } = createApp({
      metrics,
      metricsToken: config.metricsToken,
      tracing,
      db: database.db,
      pingDatabase: () => database.ping(),
      redis,
      queue,
      tasks,
      logger,
      portalTokens,
      sessions: new DashboardSessions({
        secret: jwtSecret,
        db: database.db,
        secureCookie: config.publicUrl.startsWith('https:'),
      }),
      streamTokens,
      status,
      authThrottle,
      adminTokenHash,
      maxBodyBytes: config.maxBodyBytes,
      publicUrl: config.publicUrl,
      redisPrefix: config.redisPrefix,
      trustProxy: config.trustProxy,
      guard: outboundGuard({
        allowedNetworks: config.allowedNetworks,
        httpsOnly: config.httpsOnly,
      }),
      vault,
      invalidations,
      cacheTtlMs: config.cacheTtlMs,
      tenantBounds: config.tenantBounds,
      tenantRate: config.tenantRate,
    });
    // The API serves without Redis (messages are durable in Postgres first), so an unreachable
    // Redis delays the start by at most this wait.
    if (!(await waitUntilReady(redis, 3000)))
      logger.warn('redis is not reachable yet; starting anyway');
    const server = await listen(app, config.port, options.host).catch((error: unknown) => {
      throw listenError(error, config.port, 'PORT');
    });
    const stream = startStatusStream(server.server, {
      config,
      db: database.db,
      query: producer,
      portalTokens,
      streamTokens,
      authThrottle,
      logger,
    });
    metrics.addSources({
      cluster: async () => {
        const [queue, gauges] = await Promise.all([
          within(depth.read(), gaugeTimeoutMs, 'queue depth').catch(() => undefined),
          within(clusterGauges(database.db), gaugeTimeoutMs, 'gauges').catch(() => undefined),
        ]);
        return { ...(queue && { queue }), ...(gauges && { database: gauges }) };
      },
      streamConnections: () => stream.clientCount(),
      statusDropped: () => status.droppedCount(),
    });
    logger.info({ port: server.port, publicUrl: config.publicUrl }, 'api listening');
    return {
      port: server.port,
      async close() {
        await stream.close();
        await server.close();
        await closeRedis();
        await database.close();
        await closeTracing();
      },
    };
  } catch (error) {
    await closeRedis();
    await database.close();
    await closeTracing();
    throw error;
  }
}
