import type { Redis } from 'ioredis';
import { createNodeConnection, redisKey, type RedisClient, type RedisTarget } from './redis.ts';

/**
 * How API instances tell each other that cached rows changed: a Redis pub/sub channel carrying
 * scopes (a tenant id, or `*` for everything). Pub/sub keeps nothing, so a message published
 * while an instance is disconnected is lost to it: that is why `live` is false until the
 * subscription stands, and why `onReset` fires each time it is (re)established, so that a
 * cache built on this channel is used only while it can hear invalidations and starts empty
 * after any gap.
 */
export interface InvalidationChannel {
  /** True while subscribed: invalidations published now will be heard. */
  readonly live: boolean;
  /**
   * Tells every instance (this one included) that rows of `scope` changed. Resolves once Redis
   * has passed it to every subscriber; rejects when Redis is unreachable (callers bound the
   * wait and rely on the caches' time to live).
   */
  publish(scope: string): Promise<void>;
  /** Called with each scope published by any instance. */
  onInvalidate(listener: (scope: string) => void): void;
  /** Called when the subscription is (re)established or lost: forget everything. */
  onReset(listener: () => void): void;
  close(): Promise<void>;
}

export interface InvalidationChannelOptions extends RedisTarget {
  prefix: string;
  /** Publishes on this connection (a producer's): a subscriber connection cannot. */
  publisher: RedisClient;
  onError?: (error: Error) => void;
}

export function createInvalidationChannel(
  options: InvalidationChannelOptions,
): InvalidationChannel {
  const channel = redisKey(options.prefix, 'cache-invalidation');
  const invalidateListeners: ((scope: string) => void)[] = [];
  const resetListeners: (() => void)[] = [];
  const reset = () => {
    for (const listener of resetListeners) listener();
  };
  let live = false;
  let closed = false;
  let subscriber: Redis;
  // In a cluster, a node that stays away is given up after a few tries for the next one: a
  // message published on any node reaches every node's subscribers.
  const cluster = (options.clusterNodes?.length ?? 0) > 1;
  const subscribe = (node: number) => {
    // Resubscribed by hand on every 'ready', so that `live` turns true only once it stands.
    subscriber = createNodeConnection(options, node, {
      autoResubscribe: false,
      maxRetriesPerRequest: null,
      connectTimeout: 5000,
      retryStrategy: (times) => (cluster && times > 3 ? null : Math.min(100 * 2 ** times, 2000)),
    });
    const current = subscriber;
    current.on('error', (error: Error) => options.onError?.(error));
    current.on('ready', () => {
      current.subscribe(channel).then(
        () => {
          if (closed) return;
          live = true;
          reset();
        },
        (error: unknown) =>
          options.onError?.(error instanceof Error ? error : new Error(String(error))),
      );
    });
    current.on('close', () => {
      if (live) reset();
      live = false;
    });
    current.on('end', () => {
      if (!closed) subscribe(node + 1);
    });
    current.on('message', (from: string, scope: string) => {
      if (from !== channel) return;
      for (const listener of invalidateListeners) listener(scope);
    });
  };
  subscribe(0);
  return {
    get live() {
      return live;
    },
    async publish(scope) {
      await options.publisher.publish(channel, scope);
    },
    onInvalidate(listener) {
      invalidateListeners.push(listener);
    },
    onReset(listener) {
      resetListeners.push(listener);
    },
    close() {
      closed = true;
      live = false;
      subscriber.disconnect();
      return Promise.resolve();
    },
  };
}
