import { DelayedError, Job, Queue, Worker } from 'bullmq';
import { deliverJobId, jobs, type DeliverJob } from './catalog.ts';
import { FairShare, type FairShareSettings } from './fair-share.ts';
import { boundedClose } from './bounded-close.ts';
import { partitionIndexes, partitionOf, partitionTag } from './partitions.ts';
import { type RedisClient } from './redis.ts';
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
   * Adds the jobs in one round trip (on a Redis Cluster, with events and jobs of partitions
   * other than 0, two: the events first); fails fast when Redis is unreachable. `events` go to
   * the status stream before the jobs of every partition, so that no watcher sees a job's
   * attempt before the event that led to it (a message's acceptance, a retry's scheduling).
   * Events never fail the call: those Redis refuses, or that cannot be sent, are counted as
   * dropped by the queue's status publisher.
   */
  enqueue(jobs: readonly ScheduledJob[], events?: readonly NewStatusEvent[]): Promise<void>;
  /**
   * The jobs among `jobs` that Redis does not hold (in any state, in any partition): the ones
   * to queue again. One round trip per partition.
   */
  missing<T extends DeliverJob>(jobs: readonly T[]): Promise<T[]>;
  close(): Promise<void>;
}

/** A job as BullMQ takes it. Every job has a priority (BullMQ takes unprioritized ones first). */
function bulkJob(job: ScheduledJob, priority: number) {
  return {
    name: 'deliver',
    data: {
      deliveryId: job.deliveryId,
      endpointId: job.endpointId,
      attempt: job.attempt,
      ...(job.traceparent !== undefined && { traceparent: job.traceparent }),
    },
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

/** A BullMQ pipeline (ioredis' own, wrapped), on which jobs are added. */
type Pipeline = ReturnType<Awaited<ReturnType<Queue['getBackend']>['client']>['pipeline']>;

/**
 * The producer side of the `deliver` queue, over its partitions (see partitions.ts). While
 * Redis is not connected, `enqueue` fails at once instead of waiting: callers have the rows
 * in Postgres, and the reconciler queues what was missed. The BullMQ queues are created on
 * first use with a live connection, because one created while Redis is down stays broken
 * after Redis returns.
 */
export function createDeliveryQueue(options: {
  connection: RedisClient;
  prefix: string;
  /** How many partitions the `deliver` queue has. @defaultValue 1 */
  partitions?: number;
  /** Where `enqueue`'s events go; without it they are ignored. */
  status?: StatusPublisher;
  /** How jobs are ranked between tenants. @defaultValue defaultFairShareSettings */
  fairShare?: Partial<FairShareSettings>;
  onError?: (error: Error) => void;
}): DeliveryQueue {
  const count = Math.max(1, options.partitions ?? 1);
  const fair = new FairShare(options.prefix, options.fairShare);
  const queues = new Map<number, Queue<DeliverJob>>();
  const partition = (index: number): Queue<DeliverJob> => {
    let queue = queues.get(index);
    if (queue !== undefined) return queue;
    queue = new Queue<DeliverJob>(jobs.deliver.queue, {
      connection: options.connection,
      prefix: partitionTag(options.prefix, index),
    });
    queue.on('error', (error) => options.onError?.(error));
    queues.set(index, queue);
    return queue;
  };
  const pipelineOf = async (index: number): Promise<Pipeline> =>
    (await partition(index).getBackend().client).pipeline();
  /** Queues `list` (all of partition `index`) on `pipeline`, as BullMQ's own add would. */
  const addJobs = async (
    pipeline: Pipeline,
    index: number,
    list: readonly { job: ScheduledJob; priority: number }[],
  ) => {
    const queue = partition(index);
    await queue.getBackend().client; // its scripts are defined on the shared connection
    const added = list.map(({ job, priority }) => {
      const { name, data, opts } = bulkJob(job, priority);
      return new Job(queue, name, data, opts, opts.jobId).addJob(pipeline);
    });
    await Promise.all(added); // each has queued its command; this surfaces invalid options
  };
  const failure = (results: [Error | null, unknown][] | null, from = 0) => {
    for (const [error] of results?.slice(from) ?? []) if (error) return error;
    return undefined;
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
      const now = Date.now();
      const plan = fair.plan(
        list.map((job) => job.tenantId),
        now,
      );
      const byPartition = new Map<number, { job: ScheduledJob; priority: number }[]>();
      list.forEach((job, i) => {
        const index = partitionOf(job.endpointId, count);
        const entries = byPartition.get(index) ?? [];
        entries.push({ job, priority: plan.priorities[i] ?? 1 });
        byPartition.set(index, entries);
      });
      // The first pipeline: the events, the tenants' counts (see fair-share.ts), then the
      // jobs of partition 0, all under `{prefix}`. On one server the other partitions' jobs
      // ride in it too, after the events. A cluster takes a pipeline's keys from one slot
      // only: there, they follow in a pipeline per partition once the events are stored.
      const first = await pipelineOf(0);
      const replies =
        status === undefined || published.length === 0
          ? 0
          : appendStatusEvents(
              (command, args) => void first.runCommand(command, args),
              status.settings,
              published,
              now,
            );
      for (const { key, by } of plan.increments) {
        void first.runCommand('incrby', [key, by]);
        void first.runCommand('pexpire', [key, plan.ttlMs]);
      }
      const separate = options.connection.isCluster
        ? [...byPartition].filter(([index]) => index !== 0)
        : [];
      for (const [index, entries] of byPartition) {
        if (!separate.some(([other]) => other === index)) await addJobs(first, index, entries);
      }
      const sendSeparate = () =>
        Promise.all(
          separate.map(async ([index, entries]) => {
            const pipeline = await pipelineOf(index);
            await addJobs(pipeline, index, entries);
            const error = failure(await pipeline.exec());
            if (error) throw error;
          }),
        );
      // Without events to precede them, the partitions need not wait for the first pipeline.
      const early = published.length === 0 ? sendSeparate() : undefined;
      const results = await first.exec().catch((error: unknown) => {
        status?.dropped(published.length);
        throw error;
      });
      status?.dropped(countFailed(results, published.length));
      plan.increments.forEach(({ tenantId }, i) => {
        const [error, count] = results?.[replies + 2 * i] ?? [];
        if (error == null && typeof count === 'number') fair.learn(tenantId, plan.window, count);
      });
      const error = failure(results, replies + 2 * plan.increments.length);
      if (error) {
        await early?.catch(() => undefined);
        throw error;
      }
      await (early ?? sendSeparate());
    },
    async missing(list) {
      if (list.length === 0) return [];
      if (options.connection.status !== 'ready') throw new QueueUnavailableError();
      /** The jobs of `candidates` that partition `index` does not hold: one round trip. */
      const absentFrom = async <T extends DeliverJob>(index: number, candidates: T[]) => {
        if (candidates.length === 0) return candidates;
        const pipeline = await pipelineOf(index);
        for (const job of candidates)
          void pipeline.runCommand('exists', [partition(index).toKey(deliverJobId(job))]);
        const results = (await pipeline.exec()) ?? [];
        return candidates.filter((_, i) => results[i]?.[1] !== 1);
      };
      const own = await Promise.all(
        partitionIndexes(count).map((index) =>
          absentFrom(
            index,
            list.filter((job) => partitionOf(job.endpointId, count) === index),
          ),
        ),
      );
      const absent = new Set(own.flat());
      // A job queued before the number of partitions was raised may wait in another partition
      // (workers consume every partition up to the current number): look there too.
      for (const index of count > 1 ? partitionIndexes(count) : []) {
        const elsewhere = [...absent].filter((job) => partitionOf(job.endpointId, count) !== index);
        const found = new Set(elsewhere);
        for (const job of await absentFrom(index, elsewhere)) found.delete(job);
        for (const job of found) absent.delete(job);
      }
      return list.filter((job) => absent.has(job));
    },
    async close() {
      await Promise.all(
        [...queues.values()].map((queue) =>
          boundedClose(queue.close(), () => void queue.disconnect().catch(() => undefined)),
        ),
      );
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
  connection: RedisClient;
  prefix: string;
  /** How many partitions the `deliver` queue has; every one is consumed. @defaultValue 1 */
  partitions?: number;
  /**
   * Jobs processed at once by this process, shared evenly by the partitions (each takes
   * `max(1, floor(concurrency / partitions))`).
   */
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

/**
 * The consumer side of the `deliver` queue: one BullMQ worker per partition (each with a
 * blocking connection of its own). It takes no job until the first `resume`.
 */
export function createDeliveryWorker(options: DeliveryWorkerOptions): DeliveryWorker {
  const parked = new Set<Promise<void>>();
  const active = new Set<Promise<unknown>>();
  const run = async (job: Job<DeliverJob>, token?: string): Promise<void> => {
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
  };
  const count = Math.max(1, options.partitions ?? 1);
  const workers = partitionIndexes(count).map((index) => {
    const worker = new Worker<DeliverJob>(
      jobs.deliver.queue,
      (job: Job<DeliverJob>, token?: string) => {
        const running = run(job, token);
        active.add(running);
        void running.then(
          () => active.delete(running),
          () => active.delete(running),
        );
        return running;
      },
      {
        connection: options.connection,
        prefix: partitionTag(options.prefix, index),
        concurrency: Math.max(1, Math.floor(options.concurrency / count)),
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
    return worker;
  });
  return {
    pause: () => {
      for (const worker of workers) void worker.pause(true);
    },
    resume: () => {
      for (const worker of workers) void worker.resume();
    },
    close: async () => {
      // Active jobs first (some park on the way), then the parked ones, whose jobs are
      // removed through the workers' connection, which closes last. Only the wait for Redis
      // to confirm that a blocking connection ended is bounded (see bounded-close.ts).
      await Promise.all(workers.map((worker) => worker.pause(true)));
      // Settled, not fulfilled: a job that gives its slot back ends in BullMQ's DelayedError.
      await Promise.allSettled(active);
      await Promise.all(parked);
      await Promise.all(
        workers.map((worker) =>
          boundedClose(worker.close(), () => void worker.disconnect().catch(() => undefined)),
        ),
      );
    },
  };
}
