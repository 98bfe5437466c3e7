import { DelayedError, Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { deliverJobId, jobs, type DeliverJob } from './catalog.ts';
import { FairShare, type FairShareSettings } from './fair-share.ts';
import { hashTag } from './redis.ts';
import {
  appendStatusEvents,
  countFailed,
  type NewStatusEvent,
  type StatusPublisher,
} from './status-stream.ts';

export interface ScheduledJob extends DeliverJob {
  /** Run no sooner than this many milliseconds from now. @defaultValue 0 */
  delayMs?: number;
  /**
   * Whose job it is, for fairness between tenants (see fair-share.ts); not part of the job's
   * data. Jobs without one (the reconciler's, operational webhooks') share one count of their own.
   */
  tenantId?: string;
}

export interface DeliveryQueue {
  /**
   * Adds the jobs in one round trip; fails fast when Redis is unreachable. `events` go to the
   * status stream in the same round trip, before the jobs, so that no watcher sees a job's
   * attempt before the event that led to it (a message's acceptance, a retry's scheduling).
   * Events never fail the call: those Redis refuses, or that cannot be sent, are counted as
   * dropped by the queue's status publisher.
   */
  enqueue(jobs: readonly ScheduledJob[], events?: readonly NewStatusEvent[]): Promise<void>;
  /**
   * The jobs among `jobs` that Redis does not hold (in any state): the ones to queue again.
   * One round trip.
   */
  missing<T extends DeliverJob>(jobs: readonly T[]): Promise<T[]>;
  close(): Promise<void>;
}

/** A job as BullMQ takes it. Every job has a priority (BullMQ takes unprioritized ones first). */
function bulkJob(job: ScheduledJob, priority: number) {
  return {
    name: 'deliver',
    data: { deliveryId: job.deliveryId, endpointId: job.endpointId, attempt: job.attempt },
    opts: {
      ...jobs.deliver.options,
      jobId: deliverJobId(job),
      priority,
      ...(job.delayMs !== undefined && job.delayMs > 0 && { delay: job.delayMs }),
    },
  };
}

/** Thrown by `enqueue` when Redis is not connected; nothing was queued. */
export class QueueUnavailableError extends Error {
  constructor() {
    super('Redis is not connected; the jobs were not queued');
    this.name = 'QueueUnavailableError';
  }
}

/**
 * The producer side of the `deliver` queue. While Redis is not connected, `enqueue` fails at
 * once instead of waiting: callers have the rows in Postgres, and the reconciler queues what
 * was missed. The BullMQ queue is created on first use with a live connection, because one
 * created while Redis is down stays broken after Redis returns.
 */
export function createDeliveryQueue(options: {
  connection: Redis;
  prefix: string;
  /** Where `enqueue`'s events go; without it they are ignored. */
  status?: StatusPublisher;
  /** How jobs are ranked between tenants. @defaultValue defaultFairShareSettings */
  fairShare?: Partial<FairShareSettings>;
  onError?: (error: Error) => void;
}): DeliveryQueue {
  const fair = new FairShare(options.prefix, options.fairShare);
  let queue: Queue<DeliverJob> | undefined;
  const current = (): Queue<DeliverJob> => {
    if (queue !== undefined) return queue;
    queue = new Queue<DeliverJob>(jobs.deliver.queue, {
      connection: options.connection,
      prefix: hashTag(options.prefix),
    });
    queue.on('error', (error) => options.onError?.(error));
    return queue;
  };
  const { status } = options;
  return {
    async enqueue(list, events = []) {
      // Events published earlier in this turn go first, so that the connection keeps their order.
      const published = status === undefined ? [] : [...status.takePending(), ...events];
      if (list.length === 0 && published.length === 0) return;
      if (options.connection.status !== 'ready') {
        status?.dropped(published.length);
        throw new QueueUnavailableError();
      }
      const queue = current();
      // One pipeline: the events, the tenants' counts (see fair-share.ts), then the jobs as
      // BullMQ's own add would queue them.
      const pipeline = (await queue.getBackend().client).pipeline();
      const now = Date.now();
      const replies =
        status === undefined || published.length === 0
          ? 0
          : appendStatusEvents(
              (command, args) => void pipeline.runCommand(command, args),
              status.settings,
              published,
              now,
            );
      const plan = fair.plan(
        list.map((job) => job.tenantId),
        now,
      );
      for (const { key, by } of plan.increments) {
        void pipeline.runCommand('incrby', [key, by]);
        void pipeline.runCommand('pexpire', [key, plan.ttlMs]);
      }
      const added = list.map((job, i) => {
        const { name, data, opts } = bulkJob(job, plan.priorities[i] ?? 1);
        return new Job(queue, name, data, opts, opts.jobId).addJob(pipeline);
      });
      await Promise.all(added); // each has queued its command; this surfaces invalid options
      const results = await pipeline.exec().catch((error: unknown) => {
        status?.dropped(published.length);
        throw error;
      });
      status?.dropped(countFailed(results, published.length));
      plan.increments.forEach(({ tenantId }, i) => {
        const [error, count] = results?.[replies + 2 * i] ?? [];
        if (error == null && typeof count === 'number') fair.learn(tenantId, plan.window, count);
      });
      const first = replies + 2 * plan.increments.length;
      for (const [error] of results?.slice(first) ?? []) if (error) throw error;
    },
    async missing(list) {
      if (list.length === 0) return [];
      if (options.connection.status !== 'ready') throw new QueueUnavailableError();
      const pipeline = options.connection.pipeline();
      for (const job of list) pipeline.exists(current().toKey(deliverJobId(job)));
      const results = (await pipeline.exec()) ?? [];
      return list.filter((_, i) => results[i]?.[1] !== 1);
    },
    async close() {
      await queue?.close();
    },
  };
}

/**
 * What became of a job. `undefined`: done. `deferMs`: not yet, back to wait without using a
 * retry (its endpoint cannot take it now). `parked`: the job's request goes on outside the
 * worker's slots; the job waits in the delayed set for `holdMs` (so a crash still leaves
 * it to run again), and is removed once `parked` settles with the result committed.
 */
export type ProcessOutcome =
  undefined | { deferMs: number } | { parked: Promise<void>; holdMs: number };

export interface DeliveryWorkerOptions {
  /** A connection that waits while Redis is away (`maxRetriesPerRequest: null`). */
  connection: Redis;
  prefix: string;
  /** Jobs processed at once by this process. */
  concurrency: number;
  /**
   * Handles one job (see `ProcessOutcome`); throwing makes BullMQ retry it with backoff.
   * `deferrals` counts how often this job has started, deferrals included.
   */
  process: (job: DeliverJob, context: { deferrals: number }) => Promise<ProcessOutcome>;
  onError?: (error: Error) => void;
  onJobFailed?: (job: DeliverJob | undefined, error: Error) => void;
}

export interface DeliveryWorker {
  /** Stops taking new jobs until `resume`; jobs in flight go on. */
  pause(): void;
  /** Starts (the first time) or resumes taking jobs. */
  resume(): void;
  /** Stops taking jobs and waits for the ones in flight, parked ones included, to finish. */
  close(): Promise<void>;
}

/** The consumer side of the `deliver` queue. It takes no job until the first `resume`. */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const parked = new Set<Promise<void>>();
  const worker = new Worker<DeliverJob>(
    jobs.deliver.queue,
    async (job: Job<DeliverJob>, token?: string) => {
      const outcome = await options.process(jobs.deliver.data.parse(job.data), {
        deferrals: job.attemptsStarted,
      });
      if (outcome === undefined) return;
      if ('deferMs' in outcome) {
        // Back to the delayed set: the job gives up its worker slot instead of waiting in it.
        await job.moveToDelayed(Date.now() + outcome.deferMs, token);
        throw new DelayedError();
      }
      try {
        await job.moveToDelayed(Date.now() + outcome.holdMs, token);
      } catch {
        // Redis would not take it back: the request finishes in its slot instead.
        await outcome.parked;
        return;
      }
      const settled = outcome.parked.then(
        () => job.remove().catch(() => undefined), // else it wakes, finds no claim, ends
        (error: unknown) =>
          options.onError?.(error instanceof Error ? error : new Error(String(error))),
      );
      parked.add(settled);
      void settled.finally(() => parked.delete(settled));
      throw new DelayedError();
    },
    {
      connection: options.connection,
      prefix: hashTag(options.prefix),
      concurrency: options.concurrency,
      autorun: false,
      // A job whose worker died is noticed within about two of these and run again (its
      // delivery's claim decides whether anything is sent). BullMQ renews the lock of a live
      // job every half period.
      lockDuration: 10_000,
      stalledInterval: 10_000,
    },
  );
  worker.on('error', (error) => options.onError?.(error));
  worker.on('failed', (job, error) => options.onJobFailed?.(job?.data, error));
  return {
    pause: () => void worker.pause(true),
    resume: () => {
      void worker.resume();
    },
    close: async () => {
      // Active jobs first (some park on the way), then the parked ones, whose jobs are
      // removed through the worker's connection, which closes last.
      await worker.pause();
      await Promise.all(parked);
      await worker.close();
    },
  };
}
