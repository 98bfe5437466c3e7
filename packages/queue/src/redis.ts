import { once } from 'node:events';
import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * What a connection is for, which decides how it behaves while Redis is away:
 * - `probe` (health checks): commands fail at once.
 * - `producer` (queueing jobs): commands wait through a short reconnect, then fail, so a
 *   caller is never stuck behind a Redis that stays down.
 * - `worker` (BullMQ's blocking consumers): commands wait for as long as it takes.
 */
export type RedisRole = 'probe' | 'producer' | 'worker';

/** One node of a Redis Cluster, as given in `REDIS_CLUSTER_NODES`. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where Redis is: one server at `url`, or, with `clusterNodes`, a Redis Cluster reached through
 * those nodes (it finds the others itself); `url` then only gives the user, the password and
 * TLS (`rediss:`) every node is reached with.
 */
export interface RedisTarget {
  url: string;
  clusterNodes?: readonly RedisNode[] | undefined;
}

/**
 * A connection to one server or to a cluster. Every key Hookrail uses carries a hash tag
 * (`redisKey`, `partitionTag`), and every script, MULTI and pipeline keeps to the keys of one
 * tag, so everything that works on one server works on a cluster.
 */
export type RedisClient = Redis | Cluster;

export interface RedisConnectionOptions extends RedisTarget {
  role: RedisRole;
  /** Called on connection errors (ioredis reconnects by itself). */
  onError?: (error: Error) => void;
}

const backoff = (times: number) => Math.min(100 * 2 ** times, 2000);

/** The user, password and TLS of `url`, for each node of a cluster. */
function credentials(url: string): RedisOptions {
  const parsed = new URL(url);
  return {
    ...(parsed.username !== '' && { username: decodeURIComponent(parsed.username) }),
    ...(parsed.password !== '' && { password: decodeURIComponent(parsed.password) }),
    ...(parsed.protocol === 'rediss:' && { tls: {} }),
  };
}

/**
 * One ioredis connection (a `Cluster` when `clusterNodes` is given). It reconnects forever
 * with a capped backoff; errors are reported through `onError` instead of crashing the process.
 */
export function createRedis(options: RedisConnectionOptions): RedisClient {
  const perCommand: RedisOptions = {
    maxRetriesPerRequest: options.role === 'worker' ? null : 1,
    connectTimeout: 5000,
  };
  const enableOfflineQueue = options.role !== 'probe';
  const redis: RedisClient =
    options.clusterNodes === undefined || options.clusterNodes.length === 0
      ? new Redis(options.url, { ...perCommand, enableOfflineQueue, retryStrategy: backoff })
      : new Cluster(
          options.clusterNodes.map(({ host, port }) => ({ host, port })),
          {
            enableOfflineQueue,
            clusterRetryStrategy: backoff,
            redisOptions: { ...perCommand, ...credentials(options.url) },
          },
        );
  redis.on('error', (error: Error) => options.onError?.(error));
  return redis;
}

/**
 * A plain connection to one server: the target's, or the `index`th node of its cluster (mod
 * their number). Pub/sub uses it: in a cluster, a message published on any node reaches the
 * subscribers of every node, so any one node will do.
 */
export function createNodeConnection(
  target: RedisTarget,
  index: number,
  options: RedisOptions,
): Redis {
  const nodes = target.clusterNodes ?? [];
  const node = nodes[index % Math.max(1, nodes.length)];
  if (node === undefined) return new Redis(target.url, options);
  return new Redis({ ...credentials(target.url), ...options, host: node.host, port: node.port });
}

/**
 * The hash tag of every key but the delivery queue's partitions past 0 (partitions.ts):
 * `{prefix}`. Redis Cluster hashes only the part in braces, so these keys share one slot and
 * multi-key scripts keep working.
 */
export function hashTag(prefix: string): string {
  return `{${prefix}}`;
}

/** A key under the prefix: `{prefix}:part:part`. */
export function redisKey(prefix: string, ...parts: string[]): string {
  return [hashTag(prefix), ...parts].join(':');
}

/**
 * Resolves true once the connection is ready, or false after `timeoutMs`. Start-up uses it so
 * that a process does not report Redis as down merely because it is still connecting.
 */
export async function waitUntilReady(redis: RedisClient, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  try {
    await once(redis, 'ready', { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}
