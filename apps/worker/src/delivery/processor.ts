import {
  claimDeliveries,
  isUnavailableError,
  recordResults,
  type Db,
  type DeliveryResult,
} from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import {
  deliverJobId,
  type Admission,
  type DeliverJob,
  type DeliveryQueue,
  type EndpointGate,
  type ScheduledJob,
} from '@hookrail/queue';
import { attemptDelivery, type AttemptDeps } from './attempt.ts';
import type { EndpointLimits } from './endpoint-limits.ts';

export interface ProcessorDeps extends AttemptDeps {
  db: Db;
  queue: DeliveryQueue;
  gate: EndpointGate;
  limits: EndpointLimits;
  logger: Logger;
  /** How long a claim holds before another worker may take the delivery over. */
  leaseMs: number;
  /** An endpoint failing without a success for this long is disabled. */
  disableAfterMs: number;
  /** Told when Postgres cannot be reached (the worker then pauses until it can). */
  databaseDown: () => void;
  /** True once the worker is shutting down: stop waiting on Postgres. */
  stopping: () => boolean;
}

/**
 * How long a job that may not run yet waits before asking again. Rate-limited jobs hold a
 * reserved slot and come back exactly then; jobs held by an open breaker are spread over the
 * probe interval; jobs over the in-flight cap back off, from 0.1 s to about 6 s.
 */
export function deferral(
  admission: Exclude<Admission, { admitted: true }>,
  deferrals: number,
  random: number,
): number {
  switch (admission.reason) {
    case 'rate_limited':
      return admission.waitMs + 1;
    case 'breaker_open':
      return admission.waitMs + Math.round(random * admission.spreadMs);
    case 'breaker_probing':
      return Math.round(Math.min(admission.waitMs, 2000) * (0.5 + random));
    case 'inflight_cap':
      return Math.round(100 * 2 ** Math.min(deferrals, 6) * (0.5 + random));
  }
}

/**
 * Runs one `deliver` job: ask the endpoint's gate in Redis (breaker, in-flight cap, rate
 * limit) and, if it may not go yet, hand the job back to wait without touching Postgres or
 * using an attempt. Otherwise claim the delivery in Postgres, make the attempt, report it to
 * the gate, record it, and queue what follows. The result is committed before the job
 * completes, so a crash in between leaves the delivery `sending` with a lease, never lost.
 */
export function createDeliveryProcessor(
  deps: ProcessorDeps,
): (job: DeliverJob, context: { deferrals: number }) => Promise<{ deferMs: number } | undefined> {
  /**
   * Records a result, retrying for as long as Postgres is unreachable: the request was made,
   * and its outcome is worth keeping. If the claim expired meanwhile and the delivery was
   * sent again, this attempt is still recorded, next to the duplicate.
   */
  async function record(result: DeliveryResult) {
    for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
      try {
        return await recordResults(deps.db, [result], { disableAfterMs: deps.disableAfterMs });
      } catch (error) {
        if (!isUnavailableError(error) || deps.stopping()) throw error;
        deps.databaseDown();
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  return async (job, { deferrals }) => {
    const jobKey = deliverJobId(job);
    const limits = await deps.limits.get(job.endpointId, deps.now()).catch((error: unknown) => {
      if (!isUnavailableError(error)) throw error;
      deps.databaseDown();
      return undefined;
    });
    if (limits === undefined) return { deferMs: 1000 }; // Postgres is away: wait, using no attempt
    const admission = await deps.gate.admit({
      endpointId: job.endpointId,
      jobKey,
      now: deps.now(),
      maxInflight: limits.maxInflight,
      rate: limits.rate,
      leaseMs: deps.leaseMs,
    });
    if (!admission.admitted) return { deferMs: deferral(admission, deferrals, deps.random()) };

    const report = (outcome: 'success' | 'failure' | 'none') =>
      deps.gate.report({
        endpointId: job.endpointId,
        jobKey,
        now: deps.now(),
        outcome,
        maxInflight: limits.maxInflight,
      });
    let claimed;
    try {
      claimed = await claimDeliveries(deps.db, [job], deps.leaseMs);
    } catch (error) {
      await report('none');
      if (!isUnavailableError(error)) throw error;
      deps.databaseDown();
      return { deferMs: 1000 };
    }
    const [delivery] = claimed;
    if (delivery === undefined) {
      await report('none');
      deps.logger.debug({ job }, 'stale delivery job skipped');
      return undefined;
    }
    const result = await attemptDelivery(deps, delivery);
    const sent = result.attempt?.sent === true;
    // The request is made: from here on its result must reach Postgres, Redis or not.
    const transition = await report(
      !sent ? 'none' : result.attempt?.outcome === 'succeeded' ? 'success' : 'failure',
    ).then(
      (reported) => reported.transition,
      (error: unknown) => {
        deps.logger.warn(
          { err: error, endpointId: delivery.endpointId },
          'could not report the attempt to the endpoint gate; its in-flight slot expires by itself',
        );
        return 'none' as const;
      },
    );
    if (transition !== 'none') {
      deps.logger.info({ endpointId: delivery.endpointId, transition }, 'circuit breaker changed');
    }
    const { followUps, applied } = await record({ ...result, breaker: transition });
    deps.logger.debug(
      {
        deliveryId: delivery.id,
        endpointId: delivery.endpointId,
        attempt: delivery.attempt,
        statusCode: result.attempt?.statusCode,
        error: result.attempt?.error,
        next: result.next.status,
      },
      'attempt recorded',
    );
    const jobs: ScheduledJob[] = followUps.map((d) => ({
      deliveryId: d.id,
      endpointId: d.endpointId,
      attempt: 1,
    }));
    // A claim that was taken over meanwhile leaves the next attempt to the newer claim.
    if (result.next.status === 'pending' && applied.has(delivery.id)) {
      const delayMs = Math.max(0, result.next.nextAttemptAt.getTime() - deps.now());
      jobs.push({
        deliveryId: delivery.id,
        endpointId: delivery.endpointId,
        attempt: delivery.attempt + 1,
        delayMs,
      });
    }
    try {
      await deps.queue.enqueue(jobs);
    } catch (error) {
      // The deliveries are due in Postgres; the reconciler queues what is missing.
      deps.logger.warn(
        { err: error, deliveryId: delivery.id },
        'could not queue follow-up attempts',
      );
    }
    return undefined;
  };
}
