import {
  claimDeliveries,
  isUnavailableError,
  recordResults,
  type ClaimedDelivery,
  type Db,
  type DeliveryResult,
} from '@hookrail/db';
import { throttledWarnings, type Logger } from '@hookrail/logger';
import {
  deliverJobId,
  deliveriesCanceled,
  taskProgress,
  type Admission,
  type AdmitRequest,
  type DeliverJob,
  type DeliveryQueue,
  type EndpointGate,
  type ReportRequest,
  type ScheduledJob,
  type StatusPublisher,
  type Transition,
} from '@hookrail/queue';
import { createBatcher } from './batcher.ts';
import { resultEvents } from './status-events.ts';

/**
 * The worker's calls to Postgres and Redis, one item each, batched with those of every other
 * job running at the same moment: one statement claims many deliveries, one statement (or,
 * when endpoint health or events change, one transaction) records many results, one
 * pipelined call admits and reports many requests to the endpoint gates and carries the
 * status events waiting to be sent, and one call, after the results commit, queues their
 * follow-ups (next attempts, operational messages) with the status events that explain them.
 */
export interface RoundTrips {
  admit(request: AdmitRequest): Promise<Admission>;
  report(request: ReportRequest): Promise<Transition>;
  /** The claimed delivery, or undefined when the job is stale (claimed, finished, canceled). */
  claim(job: DeliverJob): Promise<ClaimedDelivery | undefined>;
  /**
   * Commits the result, then queues what follows it; true when the claim still held, so its
   * decision was applied. A claim taken over meanwhile leaves the next attempt to the newer
   * claim. Queueing is best effort: what Redis misses is due in Postgres and the reconciler
   * queues it. `traceparent`: the job's trace, which the next attempt's job carries on.
   */
  record(result: DeliveryResult, traceparent?: string): Promise<boolean>;
}

/** A result to record, with the trace its delivery's jobs carry. */
interface Recording {
  result: DeliveryResult;
  traceparent: string | undefined;
}

/** A call to the endpoint gate: an admission or a report, and its answer. */
type GateItem = { admit: AdmitRequest } | { report: ReportRequest };
type GateAnswer = { admission: Admission } | { transition: Transition } | { error: unknown };

/** Items per round trip, at most: large enough to share it, small enough to stay quick. */
const maxBatch = 200;

export function createRoundTrips(deps: {
  db: Db;
  gate: EndpointGate;
  queue: DeliveryQueue;
  status: StatusPublisher;
  logger: Logger;
  leaseMs: number;
  now: () => number;
}): RoundTrips {
  const warn = throttledWarnings(deps.logger);
  // Admissions and reports share one call: the gate's traffic of a turn is one round trip
  // (with the status events waiting, which the gate carries), not one of each.
  const gate = createBatcher({
    maxBatch,
    flush: async (items: GateItem[]): Promise<GateAnswer[]> => {
      const reports: ReportRequest[] = [];
      const admits: AdmitRequest[] = [];
      for (const item of items) {
        if ('report' in item) reports.push(item.report);
        else admits.push(item.admit);
      }
      const { transitions, admissions } = await deps.gate.call(reports, admits);
      let r = 0;
      let a = 0;
      return items.map((item): GateAnswer => {
        const answer = 'report' in item ? transitions[r++] : admissions[a++];
        if (answer === undefined || answer instanceof Error) {
          return { error: answer ?? new Error('the gate did not answer') };
        }
        return typeof answer === 'string' ? { transition: answer } : { admission: answer };
      });
    },
  });
  const claims = createBatcher({
    maxBatch,
    maxInFlight: 2,
    flush: async (jobs: DeliverJob[]) => {
      // A duplicate job in the same batch must not get the claim too: only the first asks.
      const first = new Map<string, number>();
      jobs.forEach((job, i) => {
        if (!first.has(deliverJobId(job))) first.set(deliverJobId(job), i);
      });
      const { claimed, canceled, tasks } = await claimDeliveries(
        deps.db,
        jobs.filter((job, i) => first.get(deliverJobId(job)) === i),
        deps.leaseMs,
      );
      // In the same pipelined call as this turn's `attempt.started` events, never awaited: the
      // deliveries canceled for their deleted application, then the retry tasks whose counts
      // that changed.
      deps.status.publish([
        ...deliveriesCanceled(canceled, 'application_deleted', deps.now()),
        ...tasks.map(taskProgress),
      ]);
      const byJob = new Map(claimed.map((d) => [deliverJobId({ ...d, deliveryId: d.id }), d]));
      return jobs.map((job, i) =>
        first.get(deliverJobId(job)) === i ? byJob.get(deliverJobId(job)) : undefined,
      );
    },
  });
  type Recorded = { applied: boolean } | { error: unknown };
  const commit = async (recordings: Recording[]): Promise<Recorded[]> => {
    const results = recordings.map((r) => r.result);
    const recorded = await recordResults(deps.db, results);
    const now = deps.now();
    const jobs: ScheduledJob[] = recorded.followUps.map((d) => ({
      deliveryId: d.id,
      endpointId: d.endpointId,
      attempt: 1,
    }));
    for (const { result, traceparent } of recordings) {
      const { delivery, decision } = result;
      if (decision.next.status !== 'pending' || !recorded.applied.has(delivery.id)) continue;
      jobs.push({
        deliveryId: delivery.id,
        endpointId: delivery.endpointId,
        attempt: delivery.attempt + 1,
        delayMs: Math.max(0, decision.next.nextAttemptAt - now),
        tenantId: delivery.tenantId,
        ...(traceparent !== undefined && { traceparent }),
      });
    }
    const events = resultEvents(results, recorded, now);
    // Events without jobs go without waiting: a completion never waits on the status stream.
    if (jobs.length === 0) deps.status.publish(events);
    else {
      await deps.queue
        .enqueue(jobs, events)
        .catch((error: unknown) =>
          warn('queue', { err: error }, 'could not queue follow-ups; the reconciler will'),
        );
    }
    return results.map((r) => ({ applied: recorded.applied.has(r.delivery.id) }));
  };
  const records = createBatcher({
    maxBatch,
    maxInFlight: 2,
    flush: async (recordings: Recording[]): Promise<Recorded[]> => {
      try {
        return await commit(recordings);
      } catch (error) {
        if (recordings.length === 1 || isUnavailableError(error)) throw error;
        // One result Postgres refuses must not hold back the others: each on its own.
        return Promise.all(
          recordings.map((r) =>
            commit([r]).then(
              ([one]) => one ?? { error: new Error('not recorded') },
              (failed: unknown) => ({ error: failed }),
            ),
          ),
        );
      }
    },
  });
  return {
    async admit(request) {
      const answer = await gate.run({ admit: request });
      if ('admission' in answer) return answer.admission;
      throw 'error' in answer ? answer.error : new Error('a report answered an admission');
    },
    async report(request) {
      const answer = await gate.run({ report: request });
      if ('transition' in answer) return answer.transition;
      throw 'error' in answer ? answer.error : new Error('an admission answered a report');
    },
    claim: (job) => claims.run(job),
    async record(result, traceparent) {
      const outcome = await records.run({ result, traceparent });
      if ('error' in outcome) throw outcome.error;
      return outcome.applied;
    },
  };
}
