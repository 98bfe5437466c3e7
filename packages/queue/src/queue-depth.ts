import { Queue } from 'bullmq';
import { boundedClose } from './bounded-close.ts';
import { jobs } from './catalog.ts';
import { partitionIndexes, partitionTag } from './partitions.ts';
import type { RedisClient } from './redis.ts';

export type QueueDepth = Record<'waiting' | 'delayed' | 'active' | 'prioritized', number>;

export interface QueueDepthProbe {
  /**
   * Jobs in the deliver queue by state, summed over its partitions: one round trip per
   * partition, at once; fails at once without Redis.
   */
  read(): Promise<QueueDepth>;
  close(): Promise<void>;
}

/**
 * Counts the deliver queue's jobs for metrics, when they are scraped. `delayed` holds retries
 * not yet due and jobs their endpoint deferred (breaker, rate limit, in-flight cap), so a
 * growing `waiting` is the sign of too few workers, not `delayed`.
 */
export function createQueueDepthProbe(options: {
  connection: RedisClient;
  prefix: string;
  /** How many partitions the `deliver` queue has. @defaultValue 1 */
  partitions?: number;
}): QueueDepthProbe {
  let queues: Queue[] | undefined;
  return {
    async read() {
      if (options.connection.status !== 'ready') throw new Error('Redis is not connected');
      queues ??= partitionIndexes(options.partitions ?? 1).map(
        (index) =>
          new Queue(jobs.deliver.queue, {
            connection: options.connection,
            prefix: partitionTag(options.prefix, index),
          }),
      );
      const counts = await Promise.all(
        queues.map((queue) => queue.getJobCounts('wait', 'delayed', 'active', 'prioritized')),
      );
      const sum = (state: string) => counts.reduce((total, c) => total + (c[state] ?? 0), 0);
      return {
        waiting: sum('wait'),
        delayed: sum('delayed'),
        active: sum('active'),
        prioritized: sum('prioritized'),
      };
    },
    async close() {
      await Promise.all(
        (queues ?? []).map((queue) =>
          boundedClose(queue.close(), () => void queue.disconnect().catch(() => undefined)),
        ),
      );
    },
  };
}
