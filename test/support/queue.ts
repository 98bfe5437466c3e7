import { jobs, partitionIndexes, partitionTag, type RedisClient } from '@hookrail/queue';
import { Queue } from 'bullmq';
import { Cluster, Redis } from 'ioredis';
import type { TestEnv } from './env.ts';

/**
 * Jobs of one of the test file's queues (delivery by default, over all its partitions) that
 * are waiting, delayed or running.
 */
export async function pendingJobs(
  env: TestEnv,
  name: string = jobs.deliver.queue,
): Promise<number> {
  const connection: RedisClient =
    env.redisClusterNodes === undefined
      ? new Redis(env.redisUrl, { maxRetriesPerRequest: 1 })
      : new Cluster(
          env.redisClusterNodes.split(',').map((node) => {
            const colon = node.lastIndexOf(':');
            return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
          }),
        );
  const partitions = name === jobs.deliver.queue ? env.queuePartitions : 1;
  const queues = partitionIndexes(partitions).map(
    (index) => new Queue(name, { connection, prefix: partitionTag(env.redisPrefix, index) }),
  );
  try {
    let total = 0;
    for (const queue of queues) {
      const counts = await queue.getJobCounts(
        'wait',
        'active',
        'delayed',
        'prioritized',
        'waiting-children',
      );
      total += Object.values(counts).reduce((sum, n) => sum + n, 0);
    }
    return total;
  } finally {
    await Promise.all(queues.map((queue) => queue.close()));
    connection.disconnect();
  }
}
