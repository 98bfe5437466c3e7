import { z } from 'zod';
import {
  booleanFlag,
  commaList,
  duration,
  hostPortList,
  integer,
  logLevel,
  networkList,
  redisPrefix,
  url,
} from './fields.ts';

/** 32 bytes, base64: an encryption key. */
const encryptionKey = z.string().refine((value) => Buffer.from(value, 'base64').length === 32, {
  error: 'must be 32 random bytes, base64 encoded (openssl rand -base64 32)',
});

/** Variables every Hookrail process reads: where its state lives, how it logs, its keys. */
export const baseEnv = {
  DATABASE_URL: url(['postgres', 'postgresql']).default(
    'postgres://postgres@127.0.0.1:5432/hookrail',
  ),
  REDIS_URL: url(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
  /** A Redis Cluster's nodes (some or all of them): when set, Redis is that cluster. */
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  HOOKRAIL_REDIS_PREFIX: redisPrefix.default('hookrail'),
  HOOKRAIL_QUEUE_PARTITIONS: integer(1, 1024).default(1),
  HOOKRAIL_LOG_LEVEL: logLevel.default('info'),
  HOOKRAIL_ENCRYPTION_KEY: encryptionKey.optional(),
  HOOKRAIL_PREVIOUS_ENCRYPTION_KEYS: commaList.pipe(z.array(encryptionKey)).prefault(''),
  HOOKRAIL_DATA_DIR: z.string().default('.hookrail'),
  HOOKRAIL_STARTUP_WAIT: duration.prefault('2m'),
};

export const baseEnvSchema = z.object(baseEnv);

export interface BaseConfig {
  databaseUrl: string;
  /** One Redis server; with `redisClusterNodes`, only its user, password and scheme apply. */
  redisUrl: string;
  /** The Redis Cluster to use, reached through these nodes; undefined: the server at `redisUrl`. */
  redisClusterNodes: { host: string; port: number }[] | undefined;
  redisPrefix: string;
  /**
   * Partitions of the delivery queue, each under a hash tag of its own (see @hookrail/queue);
   * every API and worker of a deployment must use the same number.
   */
  queuePartitions: number;
  logLevel: z.output<typeof logLevel>;
  /** Encryption of secrets at rest (see @hookrail/secrets). */
  secrets: { key: string | undefined; previousKeys: string[]; dataDir: string };
  /** How long a starting process waits for an unreachable Postgres before it gives up. */
  startupWaitMs: number;
}

export function baseConfig(env: z.output<typeof baseEnvSchema>): BaseConfig {
  return {
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisClusterNodes: env.REDIS_CLUSTER_NODES,
    redisPrefix: env.HOOKRAIL_REDIS_PREFIX,
    queuePartitions: env.HOOKRAIL_QUEUE_PARTITIONS,
    logLevel: env.HOOKRAIL_LOG_LEVEL,
    secrets: {
      key: env.HOOKRAIL_ENCRYPTION_KEY,
      previousKeys: env.HOOKRAIL_PREVIOUS_ENCRYPTION_KEYS,
      dataDir: env.HOOKRAIL_DATA_DIR,
    },
    startupWaitMs: env.HOOKRAIL_STARTUP_WAIT,
  };
}

/** Where Redis is, as `createRedis` (@hookrail/queue) takes it. */
export function redisTarget(config: Pick<BaseConfig, 'redisUrl' | 'redisClusterNodes'>): {
  url: string;
  clusterNodes: { host: string; port: number }[] | undefined;
} {
  return { url: config.redisUrl, clusterNodes: config.redisClusterNodes };
}

/** Where webhooks may be sent: read by the API (to refuse URLs early) and the worker. */
export const outboundEnv = {
  HOOKRAIL_ALLOWED_NETWORKS: networkList.prefault(''),
  HOOKRAIL_HTTPS_ONLY: booleanFlag.prefault('false'),
};

export interface OutboundConfig {
  /** Networks webhooks may reach although they are private, loopback and the like. */
  allowedNetworks: string[];
  /** Refuse plain http endpoint URLs. */
  httpsOnly: boolean;
}

export function outboundConfig(env: {
  HOOKRAIL_ALLOWED_NETWORKS: string[];
  HOOKRAIL_HTTPS_ONLY: boolean;
}): OutboundConfig {
  return { allowedNetworks: env.HOOKRAIL_ALLOWED_NETWORKS, httpsOnly: env.HOOKRAIL_HTTPS_ONLY };
}

/** The status stream: read by the API (which serves it) and the worker (which writes to it). */
export const streamEnv = {
  HOOKRAIL_STREAM_WINDOW: duration.prefault('10m'),
  HOOKRAIL_STREAM_MAX_LEN: integer(1, 100_000_000).default(100_000),
};

export interface StreamConfig {
  /** Events older than this leave each tenant's status stream. */
  streamWindowMs: number;
  /** At most this many events are kept per tenant, whatever their age. */
  streamMaxLen: number;
}

export function streamConfig(env: {
  HOOKRAIL_STREAM_WINDOW: number;
  HOOKRAIL_STREAM_MAX_LEN: number;
}): StreamConfig {
  return { streamWindowMs: env.HOOKRAIL_STREAM_WINDOW, streamMaxLen: env.HOOKRAIL_STREAM_MAX_LEN };
}
