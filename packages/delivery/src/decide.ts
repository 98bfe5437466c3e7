/**
 * What follows one attempt of a delivery: its next state, its endpoint's health, and the
 * events to raise. Pure: the caller supplies the facts, the endpoint's health as last known,
 * the policy, the time and the randomness; the same inputs give the same answer. The worker
 * applies it and the database only writes what it decided.
 */
import { nextRetry, parseRetryAfter, type RetryPolicy } from './retry-policy.ts';

/** What happened when the attempt was made. */
export type AttemptOutcome =
  /** The endpoint is deleted: nothing was sent and nothing will be. */
  | { kind: 'canceled' }
  /** Nothing was sent, for a reason worth recording as an attempt. */
  | { kind: 'unsent'; reason: 'endpoint_disabled' | 'no_secret' | 'signing_failed' }
  /** A request was made; `statusCode` is null without a response (timeout, network error). */
  | {
      kind: 'sent';
      statusCode: number | null;
      error: string | null;
      /** The response's `Retry-After` header, as sent. */
      retryAfter: string | undefined;
    };

export interface AttemptFacts {
  /** The number of the attempt just made (1-based). */
  attempt: number;
  /** Asked for by a person (resend, recover): never retried. */
  manual: boolean;
  /** A delivery of the tenant's operational-webhook application: it raises no events. */
  systemApp: boolean;
  /** When the attempt started, in milliseconds since the epoch. */
  startedAt: number;
  outcome: AttemptOutcome;
  /** What the attempt did to the endpoint's circuit breaker, as the endpoint gate counted it. */
  breaker: 'none' | 'opened' | 'reopened' | 'closed';
}

/** An endpoint's health, as the database holds it. */
export interface EndpointHealth {
  consecutiveFailures: number;
  /** Start of the current run of failures (ms since the epoch), or null. */
  failingSince: number | null;
  breaker: 'open' | 'closed';
  disabled: boolean;
}

export interface DeliveryPolicy extends RetryPolicy {
  /** An endpoint failing without a success for this long is disabled. */
  disableAfterMs: number;
}

export type DecidedEvent =
  | { type: 'message.attempt.failing' | 'message.attempt.exhausted' | 'message.attempt.recovered' }
  | { type: 'endpoint.disabled'; trigger: 'gone' | 'automatic'; failingSince: number | null };

export interface Decision {
  /** The attempt's result as recorded, or null when nothing is recorded (canceled). */
  result: 'succeeded' | 'failed' | null;
  /** The delivery's next state: final, or pending again at `nextAttemptAt`. */
  next:
    { status: 'succeeded' | 'failed' | 'canceled' } | { status: 'pending'; nextAttemptAt: number };
  /** The endpoint's health after this attempt. */
  health: EndpointHealth;
  /** Whether `health` differs from what was known: when false, nothing is written. */
  healthChanged: boolean;
  /** Why the endpoint is now disabled, when this attempt disabled it. */
  disable: 'gone' | 'failing' | null;
  events: DecidedEvent[];
}

/** The attempt (in a row of failures) that raises message.attempt.failing, as Svix does. */
export const failingAttempt = 4;

/**
 * Decides what follows an attempt. A success ends the delivery; a failure is retried on the
 * schedule (a `Retry-After` on 429/503 replacing the delay, within bounds), unless the attempt
 * was manual or the endpoint answered 410, which also disables the endpoint. An endpoint
 * failing with no success for `disableAfterMs` is disabled. Attempts that sent nothing do not
 * touch the endpoint's health; a deleted endpoint's delivery is canceled.
 */
export function decideAttempt(
  facts: AttemptFacts,
  health: EndpointHealth,
  policy: DeliveryPolicy,
  now: number,
  random: number,
): Decision {
  const same = { health, healthChanged: false, disable: null, events: [] };
  const { outcome } = facts;
  if (outcome.kind === 'canceled') return { ...same, result: null, next: { status: 'canceled' } };
  const retryOrFail = (
    statusCode: number | null,
    retryAfterMs: number | null,
  ): Decision['next'] => {
    if (facts.manual) return { status: 'failed' };
    const decision = nextRetry(policy, facts.attempt, random, { statusCode, retryAfterMs });
    return decision.retry
      ? { status: 'pending', nextAttemptAt: now + decision.delayMs }
      : { status: 'failed' };
  };
  if (outcome.kind === 'unsent') {
    // A key that does not open may be fixed: the schedule goes on. The others are final.
    const next =
      outcome.reason === 'signing_failed' ? retryOrFail(null, null) : { status: 'failed' as const };
    return { ...same, result: 'failed', next };
  }

  const succeeded = isSuccess(outcome);
  const breaker =
    facts.breaker === 'opened' || facts.breaker === 'reopened'
      ? 'open'
      : facts.breaker === 'closed'
        ? 'closed'
        : health.breaker;
  const events: DecidedEvent[] = [];
  if (succeeded) {
    const after: EndpointHealth = {
      ...health,
      consecutiveFailures: 0,
      failingSince: null,
      breaker,
    };
    if (!facts.systemApp && facts.attempt > failingAttempt) {
      events.push({ type: 'message.attempt.recovered' });
    }
    return {
      result: 'succeeded',
      next: { status: 'succeeded' },
      health: after,
      healthChanged: changed(health, after),
      disable: null,
      events,
    };
  }

  const next = retryOrFail(
    outcome.statusCode,
    parseRetryAfter(outcome.retryAfter, facts.startedAt),
  );
  const failingSince = health.failingSince ?? facts.startedAt;
  const gone = outcome.statusCode === 410;
  const disable = health.disabled
    ? null
    : gone
      ? 'gone'
      : failingSince < now - policy.disableAfterMs
        ? 'failing'
        : null;
  const after: EndpointHealth = {
    consecutiveFailures: health.consecutiveFailures + 1,
    failingSince,
    breaker,
    disabled: health.disabled || disable !== null,
  };
  if (!facts.systemApp) {
    if (next.status === 'failed' && !facts.manual)
      events.push({ type: 'message.attempt.exhausted' });
    else if (facts.attempt === failingAttempt) events.push({ type: 'message.attempt.failing' });
    if (disable !== null) {
      events.push({
        type: 'endpoint.disabled',
        trigger: disable === 'gone' ? 'gone' : 'automatic',
        failingSince,
      });
    }
  }
  return { result: 'failed', next, health: after, healthChanged: true, disable, events };
}

/** A 2xx answer, completely read: the only success. */
export function isSuccess(outcome: AttemptOutcome): boolean {
  return (
    outcome.kind === 'sent' &&
    outcome.error === null &&
    outcome.statusCode !== null &&
    outcome.statusCode >= 200 &&
    outcome.statusCode < 300
  );
}

function changed(a: EndpointHealth, b: EndpointHealth): boolean {
  return (
    a.consecutiveFailures !== b.consecutiveFailures ||
    a.failingSince !== b.failingSince ||
    a.breaker !== b.breaker ||
    a.disabled !== b.disabled
  );
}
