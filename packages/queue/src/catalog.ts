import { isId, type Id } from '@hookrail/ids';
import { z } from 'zod';

const deliveryId = z.custom<Id<'delivery'>>((v) => typeof v === 'string' && isId('delivery', v), {
  error: 'must be a delivery id',
});
const endpointId = z.custom<Id<'endpoint'>>((v) => typeof v === 'string' && isId('endpoint', v), {
  error: 'must be an endpoint id',
});

/**
 * A W3C `traceparent`: the version, the trace id and the parent span id (random hex, no
 * secret), and the flags.
 */
const traceparent = z.string().regex(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);

/**
 * Every job Hookrail queues: its queue, the schema of its data, and its options. Job data
 * carries ids only (and, when tracing is on, the trace a delivery belongs to); payloads and
 * secrets are read from Postgres when the job runs.
 */
export const jobs = {
  deliver: {
    queue: 'deliver',
    /**
     * Make attempt number `attempt` of a delivery. The endpoint is named so that its limits
     * can be checked in Redis before anything is read from Postgres.
     */
    data: z.object({
      deliveryId,
      endpointId,
      attempt: z.number().int().min(1),
      /**
       * The span the attempt's span is a child of (the message's queueing, in the API), when
       * tracing is on; retries carry it on, so every attempt of a delivery joins one trace.
       * A job without one, or with one that does not parse, starts a trace of its own.
       */
      traceparent: traceparent.optional().catch(undefined),
    }),
    options: {
      /**
       * Delivery state lives in Postgres; finished jobs are dropped so their ids can be reused,
       * and a failed job is dropped too, so that the reconciler sees it missing and queues
       * its delivery again.
       */
      removeOnComplete: true,
      removeOnFail: true,
      /**
       * Retries of the job itself, for infrastructure failures (Postgres down while recording).
       * Failed HTTP attempts are not job failures: they schedule a new job.
       */
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
    },
  },
  runTask: {
    queue: 'tasks',
    /**
     * Work through a bulk-retry task until it is done or canceled. Its tenant comes with it:
     * every query of the run is scoped to it. (A job queued without one fails to parse, is
     * dropped, and the reconciler starts the quiet task again with its tenant.)
     */
    data: z.object({
      taskId: z.string().startsWith('task_'),
      tenantId: z.string().startsWith('tnt_'),
    }),
    options: {
      removeOnComplete: true,
      // Dropped on failure too: the task stays `running` in Postgres, and the reconciler
      // starts it again under the same job id, which a kept failed job would block.
      removeOnFail: true,
      attempts: 5,
      backoff: { type: 'exponential', delay: 2000 },
    },
  },
} as const;

export type RunTaskJob = z.output<typeof jobs.runTask.data>;

export type DeliverJob = z.output<typeof jobs.deliver.data>;

/**
 * A delivery attempt's job id: the same (delivery, attempt) always makes the same id, so
 * queueing it twice while the job exists is a no-op. BullMQ ids may not be integers or
 * contain ':'; these are neither.
 */
export function deliverJobId(job: DeliverJob): string {
  return `${job.deliveryId}-${job.attempt}`;
}
