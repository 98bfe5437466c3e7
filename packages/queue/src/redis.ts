import { once } from 'node:events';
import { Redis, type RedisOptions } from 'ioredis';

/**
 * What a connection is for, which decides how it behaves while Redis is away:
 * - `probe` (health checks): commands fail at once.
 * - `producer` (queueing jobs): commands wait through a short reconnect, then fail, so a
 *   caller is never stuck behind a Redis that stays down.
 * - `worker` (BullMQ's blocking consumers): commands wait for as long as it takes.
 */
export type RedisRole = 'probe' | 'producer' | 'worker';

export interface RedisConnectionOptions {
  url: string;
  role: RedisRole;
  /** Called on connection errors (ioredis reconnects by itself). */
  onError?: (error: Error) => void;
}

/**
 * One ioredis connection. It reconnects forever with a capped backoff; errors are reported
 * through `onError` instead of crashing the process.
 */
export function createRedis(options: RedisConnectionOptions): Redis {
  const redisOptions: RedisOptions = {
    enableOfflineQueue: options.role !== 'probe',
    maxRetriesPerRequest: options.role === 'worker' ? null : 1,
    connectTimeout: 5000,
    retryStrategy: (times) => Math.min(100 * 2 ** times, 2000),
  };
  const redis = new Redis(options.url, redisOptions);
  redis.on('error', (error: Error) => options.onError?.(error));
  return redis;
}

/**
 * The hash tag every key and queue carries: `{prefix}`. Redis Cluster hashes only the part in
 * braces, so all of Hookrail's keys share one slot and multi-key scripts keep working.
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
export async function waitUntilReady(redis: Redis, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  try {
    await once(redis, 'ready', { signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}
