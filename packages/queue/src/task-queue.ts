import { Queue, Worker, type Job } from 'bullmq';
import { boundedClose } from './bounded-close.ts';
import { jobs, type RunTaskJob } from './catalog.ts';
import { QueueUnavailableError } from './delivery-queue.ts';
import { hashTag, type RedisClient } from './redis.ts';

export interface TaskQueue {
  /** Queues the run of a task; its id is the job id, so starting it twice runs it once. */
  start(task: { id: string; tenantId: string }): Promise<void>;
  close(): Promise<void>;
}

export function createTaskQueue(options: { connection: RedisClient; prefix: string }): TaskQueue {
  let queue: Queue | undefined;
  return {
    async start(task) {
      if (options.connection.status !== 'ready') throw new QueueUnavailableError();
      queue ??= new Queue(jobs.runTask.queue, {
        connection: options.connection,
        prefix: hashTag(options.prefix),
      });
      const data: RunTaskJob = { taskId: task.id, tenantId: task.tenantId };
      await queue.add('run-task', data, { ...jobs.runTask.options, jobId: task.id });
    },
    async close() {
      const current = queue;
      if (current === undefined) return;
      await boundedClose(current.close(), () => void current.disconnect().catch(() => undefined));
    },
  };
}

export interface TaskWorker {
  close(): Promise<void>;
}

/** Runs retry tasks, two at a time per process. */
export function startTaskWorker(options: {
  /** A connection that waits while Redis is away. */
  connection: RedisClient;
  prefix: string;
  runTask: (job: RunTaskJob) => Promise<void>;
  onError?: (error: Error) => void;
}): TaskWorker {
  const worker = new Worker(
    jobs.runTask.queue,
    async (job: Job) => {
      await options.runTask(jobs.runTask.data.parse(job.data));
    },
    { connection: options.connection, prefix: hashTag(options.prefix), concurrency: 2 },
  );
  worker.on('error', (error: Error) => options.onError?.(error));
  return {
    close: () =>
      boundedClose(worker.close(), () => void worker.disconnect().catch(() => undefined)),
  };
}
