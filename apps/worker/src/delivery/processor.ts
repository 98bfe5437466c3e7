import { isUnavailableError, type ClaimedDelivery, type DeliveryResult } from '@hookrail/db';
import { decideAttempt, isSuccess, type DeliveryPolicy } from '@hookrail/delivery';
import { newId } from '@hookrail/ids';
import { throttledWarnings, withLogContext, type Logger } from '@hookrail/logger';
import type { AttemptLabel, Metrics, TraceSpan } from '@hookrail/telemetry';
import {
  deliverJobId,
  type Admission,
  type DeliverJob,
  type ProcessOutcome,
  type ReportRequest,
  type StatusPublisher,
  type Transition,
} from '@hookrail/queue';
import { makeAttempt, type AttemptDeps, type MadeAttempt } from './attempt.ts';
import { endAttemptSpan, startAttemptSpan } from './attempt-span.ts';
import type { EndpointLimits } from './endpoint-limits.ts';
import type { RoundTrips } from './round-trips.ts';
import { attemptsStarted } from './status-events.ts';

export interface ProcessorDeps extends AttemptDeps {
  /** Postgres and Redis, batched across the jobs running at once. */
  trips: RoundTrips;
  /** Status events that go without jobs: never awaited, dropped when Redis is slow. */
  status: StatusPublisher;
  limits: EndpointLimits;
  logger: Logger;
  /** How long a claim holds before another worker may take the delivery over. */
  leaseMs: number;
  /** The retry schedule and when failing endpoints are disabled. */
  policy: DeliveryPolicy;
  /** A number in [0, 1), for retry jitter. */
  random: () => number;
  /** Told when Postgres cannot be reached (the worker then pauses until it can). */
  databaseDown: () => void;
  /** True once the worker is shutting down: stop waiting on Postgres. */
  stopping: () => boolean;
  /** A request open this long leaves its worker slot; an answer this slow marks its endpoint slow. */
  slowAfterMs: number;
  /** Requests to slow endpoints this worker holds at once, at most (see `EndpointGate`). */
  slowInflight: number;
  /** Counts attempts and their durations. @defaultValue none */
  metrics?: Metrics;
}

/** An attempt's metric label: 2xx, another answer, no answer, or nothing sent. */
function attemptLabel(made: MadeAttempt): AttemptLabel | undefined {
  const { outcome } = made;
  if (outcome.kind === 'canceled') return undefined;
  if (outcome.kind === 'unsent') return 'unsent';
  if (isSuccess(outcome)) return 'success';
  return outcome.statusCode === null ? 'network_error' : 'http_error';
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
  const warn = throttledWarnings(deps.logger);

  /**
   * Records a result, retrying for as long as Postgres is unreachable: the request was made,
   * and its outcome is worth keeping. If the claim expired meanwhile and the delivery was
   * sent again, this attempt is still recorded, next to the duplicate.
   */
  async function record(result: DeliveryResult, traceparent: string | undefined): Promise<void> {
    for (let wait = 250; ; wait = Math.min(wait * 2, 5000)) {
      try {
        await deps.trips.record(result, traceparent);
        return;
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
    const admission = await deps.trips
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

    const report = (outcome: ReportRequest['outcome'], slow = false) =>
      deps.trips.report({
        endpointId: job.endpointId,
        jobKey,
        now: deps.now(),
        outcome,
        slow,
        maxInflight: limits.maxInflight,
      });
    let delivery;
    const claimedAt = deps.now();
    try {
      delivery = await deps.trips.claim(job);
    } catch (error) {
      releaseSlow();
      await report('none');
      if (!isUnavailableError(error)) throw error;
      deps.databaseDown();
      return { deferMs: 1000 };
    }
    if (delivery === undefined) {
      releaseSlow();
      await report('none');
      deps.logger.debug({ job }, 'stale delivery job skipped');
      return undefined;
    }
    const attemptId = newId('attempt');
    deps.status.publish(attemptsStarted([{ delivery, attemptId }], deps.now()));
    const span = startAttemptSpan(deps.tracing, job, delivery, attemptId, claimedAt);
    const attempt = () =>
      makeAttempt(deps, delivery, attemptId, span).then((made) =>
        finish(delivery, made, report, job.traceparent, span),
      );
    // The attempt's lines carry its span's ids when it is traced.
    const ids = span?.ids();
    const finishing = ids === undefined ? attempt() : withLogContext(ids, attempt);
    // An attempt that ends in an error (its result not recorded) still ends its span.
    if (span !== undefined) {
      void finishing.catch(() => {
        span.fail('error');
        span.end();
      });
    }
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
   * What follows a made attempt: report it to the gate, decide (`decideAttempt`), record the
   * decision, queue the next attempt and any operational messages. The request is made: its
   * result must reach Postgres, Redis or not.
   */
  async function finish(
    delivery: ClaimedDelivery,
    made: MadeAttempt,
    report: (outcome: ReportRequest['outcome'], slow: boolean) => Promise<Transition>,
    /** The job's trace, carried on to the next attempt's job. */
    traceparent: string | undefined,
    span: TraceSpan | undefined,
  ): Promise<void> {
    const { outcome, record: attempt } = made;
    const sent = outcome.kind === 'sent';
    const slow =
      sent &&
      ((attempt?.durationMs ?? 0) >= deps.slowAfterMs ||
        attempt?.error?.startsWith('timeout') === true);
    const transition = await report(
      !sent ? 'none' : isSuccess(outcome) ? 'success' : 'failure',
      slow,
    ).catch((error: unknown) => {
      warn(
        'gate',
        { err: error, endpointId: delivery.endpointId },
        'could not report the attempt to the endpoint gate; its in-flight slot expires by itself',
      );
      return 'none' as const;
    });
    if (transition !== 'none') {
      deps.logger.info({ endpointId: delivery.endpointId, transition }, 'circuit breaker changed');
    }
    const decision = decideAttempt(
      {
        attempt: delivery.attempt,
        manual: delivery.manual,
        systemApp: delivery.systemApp,
        startedAt: made.startedAt,
        outcome,
        breaker: transition,
      },
      delivery.health,
      deps.policy,
      deps.now(),
      deps.random(),
    );
    const result: DeliveryResult = {
      delivery,
      ...(attempt && { attempt: { ...attempt, outcome: decision.result ?? 'failed' } }),
      decision,
    };
    await record(result, traceparent);
    const next = decision.next.status === 'pending' ? 'retry_scheduled' : decision.next.status;
    if (span !== undefined) {
      endAttemptSpan(span, {
        outcome: attemptLabel(made) ?? 'canceled',
        next,
        statusCode: attempt?.statusCode,
        error: attempt?.error,
      });
    }
    deps.metrics?.attempt(attemptLabel(made), attempt?.durationMs, next);
    // One line per attempt: ids, outcome and timing. Never the payload, headers or URL (which
    // may hold credentials), and of the error only its kind (`timeout`, `dns_error`, ...).
    deps.logger.info(
      {
        tenantId: delivery.tenantId,
        messageId: delivery.messageId,
        deliveryId: delivery.id,
        endpointId: delivery.endpointId,
        attemptId: attempt?.id,
        attempt: delivery.attempt,
        outcome: attemptLabel(made) ?? 'canceled',
        statusCode: attempt?.statusCode ?? null,
        durationMs: attempt?.durationMs ?? null,
        error: attempt?.error?.split(':', 1)[0] ?? null,
        next: decision.next.status,
      },
      'attempt',
    );
  }
}
