import { claimDeliveries, recordResults, type Db } from '@hookrail/db';
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
  return async (job, { deferrals }) => {
    const jobKey = deliverJobId(job);
    const limits = await deps.limits.get(job.endpointId, deps.now());
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
    const [delivery] = await claimDeliveries(deps.db, [job], deps.leaseMs);
    if (delivery === undefined) {
      await report('none');
      deps.logger.debug({ job }, 'stale delivery job skipped');
      return undefined;
    }
    const result = await attemptDelivery(deps, delivery);
    const sent = result.attempt?.sent === true;
    const { transition } = await report(
      !sent ? 'none' : result.attempt?.outcome === 'succeeded' ? 'success' : 'failure',
    );
    if (transition !== 'none') {
      deps.logger.info({ endpointId: delivery.endpointId, transition }, 'circuit breaker changed');
    }
    const { followUps } = await recordResults(deps.db, [{ ...result, breaker: transition }], {
      disableAfterMs: deps.disableAfterMs,
    });
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
    if (result.next.status === 'pending') {
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
