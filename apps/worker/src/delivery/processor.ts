import {
  claimDeliveries,
  isUnavailableError,
  recordResults,
  type ClaimedDelivery,
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
  type NewStatusEvent,
  type ProcessOutcome,
  type ScheduledJob,
  type StatusPublisher,
  type Transition,
} from '@hookrail/queue';
import { attemptDelivery, type AttemptDeps } from './attempt.ts';
import type { EndpointLimits } from './endpoint-limits.ts';
import { attemptsStarted, resultEvents } from './status-events.ts';

export interface ProcessorDeps extends AttemptDeps {
  db: Db;
  queue: DeliveryQueue;
  /** Status events that go without jobs: never awaited, dropped when Redis is slow. */
  status: StatusPublisher;
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
  /** A request open this long leaves its worker slot; an answer this slow marks its endpoint slow. */
  slowAfterMs: number;
  /** Requests to slow endpoints this worker holds at once, at most (see `EndpointGate`). */
  slowInflight: number;
}

/**
 * Queues follow-up jobs with the status events that explain them, events first, in one round
 * trip. Events without jobs are published without waiting, so that a delivery's completion
 * never waits on the status stream.
 */
async function queueWithEvents(
  deps: Pick<ProcessorDeps, 'queue' | 'status'>,
  jobs: readonly ScheduledJob[],
  events: readonly NewStatusEvent[],
): Promise<void> {
  if (jobs.length === 0) deps.status.publish(events);
  else await deps.queue.enqueue(jobs, events);
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
    case 'slow_budget':
      return Math.round(100 * 2 ** Math.min(deferrals, 6) * (0.5 + random));
  }
}

/**
 * Runs one `deliver` job: ask the endpoint's gate in Redis (breaker, in-flight cap, slow
 * budget, rate limit) and, if it may not go yet, hand the job back to wait without touching
 * Postgres or using an attempt. Otherwise claim the delivery in Postgres, make the attempt,
 * report it to the gate, record it, and queue what follows. The result is committed before the
 * job completes, so a crash in between leaves the delivery `sending` with a lease, never lost.
 *
 * Slow requests do not hold the worker's slots: a request to an endpoint the gate calls slow,
 * or one still open after `slowAfterMs`, is parked (it goes on outside the slots, its job
 * waiting in the delayed set) and counted in this worker's slow budget. So the slots are held
 * only by requests younger than `slowAfterMs`, however many endpoints hang.
 */
export function createDeliveryProcessor(
  deps: ProcessorDeps,
): (job: DeliverJob, context: { deferrals: number }) => Promise<ProcessOutcome> {
  /** Requests of this worker counted in its slow budget (reservations during admission too). */
  let slowHeld = 0;

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
    // Reserve a place in the slow budget for as long as the gate decides; given back below
    // unless the request is admitted as slow.
    const slowRoom = slowHeld < deps.slowInflight;
    if (slowRoom) slowHeld += 1;
    let holdsSlow = slowRoom;
    const releaseSlow = () => {
      if (holdsSlow) slowHeld -= 1;
      holdsSlow = false;
    };
    const admission = await deps.gate
      .admit({
        endpointId: job.endpointId,
        jobKey,
        now: deps.now(),
        maxInflight: limits.maxInflight,
        rate: limits.rate,
        leaseMs: deps.leaseMs,
        slowRoom,
      })
      .catch((error: unknown) => {
        releaseSlow();
        throw error;
      });
    if (!admission.admitted || !admission.slow) releaseSlow();
    if (!admission.admitted) return { deferMs: deferral(admission, deferrals, deps.random()) };

    const report = (outcome: 'success' | 'failure' | 'none', slow = false) =>
      deps.gate.report({
        endpointId: job.endpointId,
        jobKey,
        now: deps.now(),
        outcome,
        slow,
        maxInflight: limits.maxInflight,
      });
    let claimed;
    try {
      claimed = await claimDeliveries(deps.db, [job], deps.leaseMs);
    } catch (error) {
      releaseSlow();
      await report('none');
      if (!isUnavailableError(error)) throw error;
      deps.databaseDown();
      return { deferMs: 1000 };
    }
    const [delivery] = claimed;
    if (delivery === undefined) {
      releaseSlow();
      await report('none');
      deps.logger.debug({ job }, 'stale delivery job skipped');
      return undefined;
    }
    deps.status.publish(attemptsStarted([delivery], deps.now()));
    const finishing = attemptDelivery(deps, delivery).then((result) =>
      finish(delivery, result, report),
    );
    const park = (): ProcessOutcome => {
      if (!holdsSlow) slowHeld += 1;
      holdsSlow = true;
      return { parked: finishing.finally(releaseSlow), holdMs: deps.leaseMs };
    };
    if (admission.slow) return park();
    let timer: NodeJS.Timeout | undefined;
    const early = await Promise.race([
      finishing.then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), deps.slowAfterMs))),
    ]).finally(() => clearTimeout(timer));
    return early ? undefined : park();
  };

  /**
   * What follows a made attempt: report it to the gate, record it, queue the next attempt and
   * any operational messages. The request is made: its result must reach Postgres, Redis or not.
   */
  async function finish(
    delivery: ClaimedDelivery,
    result: DeliveryResult,
    report: (
      outcome: 'success' | 'failure' | 'none',
      slow: boolean,
    ) => Promise<{ transition: Transition }>,
  ): Promise<void> {
    const sent = result.attempt?.sent === true;
    const slow =
      sent &&
      ((result.attempt?.durationMs ?? 0) >= deps.slowAfterMs ||
        result.attempt?.error?.startsWith('timeout') === true);
    const transition = await report(
      !sent ? 'none' : result.attempt?.outcome === 'succeeded' ? 'success' : 'failure',
      slow,
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
    const recorded = await record({ ...result, breaker: transition });
    const { followUps, applied } = recorded;
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
      await queueWithEvents(deps, jobs, resultEvents([result], recorded, deps.now()));
    } catch (error) {
      // The deliveries are due in Postgres; the reconciler queues what is missing.
      deps.logger.warn(
        { err: error, deliveryId: delivery.id },
        'could not queue follow-up attempts',
      );
    }
  }
}
