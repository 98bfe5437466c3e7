import { Queue, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobs } from './catalog.ts';
import { QueueUnavailableError } from './delivery-queue.ts';
import { hashTag } from './redis.ts';

export interface TaskQueue {
  /** Queues the run of a task; its id is the job id, so starting it twice runs it once. */
  start(taskId: string): Promise<void>;
  close(): Promise<void>;
}

export function createTaskQueue(options: { connection: Redis; prefix: string }): TaskQueue {
  let queue: Queue | undefined;
  return {
    async start(taskId) {
      if (options.connection.status !== 'ready') throw new QueueUnavailableError();
      queue ??= new Queue(jobs.runTask.queue, {
        connection: options.connection,
        prefix: hashTag(options.prefix),
      });
      await queue.add('run-task', { taskId }, { ...jobs.runTask.options, jobId: taskId });
    },
    async close() {
      await queue?.close();
    },
  };
}

export interface BackgroundWorkers {
  close(): Promise<void>;
}

export interface BackgroundWorkerOptions {
  /** A connection that waits while Redis is away. */
  connection: Redis;
  prefix: string;
  runTask: (taskId: string) => Promise<void>;
  maintain: () => Promise<void>;
  /** How often housekeeping runs. */
  maintenanceEveryMs: number;
  onError?: (error: Error) => void;
}

/**
 * Task runs and housekeeping. Housekeeping is a BullMQ job scheduler: every worker process
 * upserts the same scheduler, and BullMQ runs each occurrence once, on one of them.
 */
export async function startBackgroundWorkers(
  options: BackgroundWorkerOptions,
): Promise<BackgroundWorkers> {
  const prefix = hashTag(options.prefix);
  const maintenanceQueue = new Queue(jobs.maintenance.queue, {
    connection: options.connection,
    prefix,
  });
  await maintenanceQueue.upsertJobScheduler(
    'housekeeping',
    { every: options.maintenanceEveryMs },
    { name: 'housekeeping', data: {}, opts: jobs.maintenance.options },
  );
  const taskWorker = new Worker(
    jobs.runTask.queue,
    async (job: Job) => {
      await options.runTask(jobs.runTask.data.parse(job.data).taskId);
    },
    { connection: options.connection, prefix, concurrency: 2 },
  );
  const maintenanceWorker = new Worker(
    jobs.maintenance.queue,
    async () => {
      await options.maintain();
    },
    { connection: options.connection, prefix, concurrency: 1 },
  );
  const onError = (error: Error) => options.onError?.(error);
  taskWorker.on('error', onError);
  maintenanceWorker.on('error', onError);
  maintenanceQueue.on('error', onError);
  return {
    async close() {
      await Promise.all([taskWorker.close(), maintenanceWorker.close()]);
      await maintenanceQueue.close();
    },
  };
}
