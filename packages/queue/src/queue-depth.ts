import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobs } from './catalog.ts';
import { hashTag } from './redis.ts';

export type QueueDepth = Record<'waiting' | 'delayed' | 'active' | 'prioritized', number>;

export interface QueueDepthProbe {
  /** Jobs in the deliver queue by state, in one round trip; fails at once without Redis. */
  read(): Promise<QueueDepth>;
  close(): Promise<void>;
}

/**
 * Counts the deliver queue's jobs for metrics, when they are scraped. `delayed` holds retries
 * not yet due and jobs their endpoint deferred (breaker, rate limit, in-flight cap), so a
 * growing `waiting` is the sign of too few workers, not `delayed`.
 */
export function createQueueDepthProbe(options: {
  connection: Redis;
  prefix: string;
}): QueueDepthProbe {
  let queue: Queue | undefined;
  return {
    async read() {
      if (options.connection.status !== 'ready') throw new Error('Redis is not connected');
      queue ??= new Queue(jobs.deliver.queue, {
        connection: options.connection,
        prefix: hashTag(options.prefix),
      });
      const counts = await queue.getJobCounts('wait', 'delayed', 'active', 'prioritized');
      return {
        waiting: counts.wait ?? 0,
        delayed: counts.delayed ?? 0,
        active: counts.active ?? 0,
        prioritized: counts.prioritized ?? 0,
      };
    },
    async close() {
      await queue?.close();
    },
  };
}
