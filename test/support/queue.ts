import { hashTag, jobs } from '@hookrail/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import type { TestEnv } from './env.ts';

/** Jobs of one of the test file's queues (delivery by default) that are waiting, delayed or running. */
export async function pendingJobs(
  env: TestEnv,
  name: string = jobs.deliver.queue,
): Promise<number> {
  const connection = new Redis(env.redisUrl, { maxRetriesPerRequest: 1 });
  const queue = new Queue(name, { connection, prefix: hashTag(env.redisPrefix) });
  try {
    const counts = await queue.getJobCounts(
      'wait',
      'active',
      'delayed',
      'prioritized',
      'waiting-children',
    );
    return Object.values(counts).reduce((sum, n) => sum + n, 0);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
