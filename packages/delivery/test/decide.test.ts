import { describe, expect, it } from 'vitest';
import {
  decideAttempt,
  type AttemptFacts,
  type AttemptOutcome,
  type EndpointHealth,
} from '../src/decide.ts';

const policy = {
  scheduleSeconds: [5, 300, 1800],
  throttleMinDelayMs: 60_000,
  disableAfterMs: 86_400_000,
};
const now = 1_000_000_000;
const healthy: EndpointHealth = {
  consecutiveFailures: 0,
  failingSince: null,
  breaker: 'closed',
  disabled: false,
};
const answer = (statusCode: number | null, retryAfter?: string): AttemptOutcome => ({
  kind: 'sent',
  statusCode,
  error: statusCode === null ? 'timeout: no complete response' : null,
  retryAfter,
});
const facts = (outcome: AttemptOutcome, more: Partial<AttemptFacts> = {}): AttemptFacts => ({
  attempt: 1,
  manual: false,
  systemApp: false,
  startedAt: now - 100,
  outcome,
  breaker: 'none',
  ...more,
});

describe('deciding what follows an attempt', () => {
  it('ends the delivery on a 2xx, and has nothing to write for an endpoint that was healthy', () => {
    const decision = decideAttempt(facts(answer(204)), healthy, policy, now, 0.5);
    expect(decision).toMatchObject({
      result: 'succeeded',
      next: { status: 'succeeded' },
      healthChanged: false,
    });
    expect(decision.events).toEqual([]);
  });

  it('clears a failing endpoint on a 2xx, and reports the recovery of a delivery that failed four times', () => {
    const failing = { ...healthy, consecutiveFailures: 4, failingSince: now - 5000 };
    const decision = decideAttempt(facts(answer(200), { attempt: 5 }), failing, policy, now, 0.5);
    expect(decision.health).toEqual(healthy);
    expect(decision.healthChanged).toBe(true);
    expect(decision.events).toEqual([{ type: 'message.attempt.recovered' }]);
  });

  it('retries a failure on the schedule, jittered by the random number given', () => {
    expect(decideAttempt(facts(answer(500)), healthy, policy, now, 0.5).next).toEqual({
      status: 'pending',
      nextAttemptAt: now + 5000,
    });
    expect(decideAttempt(facts(answer(null)), healthy, policy, now, 0).next).toEqual({
      status: 'pending',
      nextAttemptAt: now + 4000,
    });
  });

  it('counts the failure run from its first failure, and raises failing on the fourth attempt and exhausted on the last', () => {
    const first = decideAttempt(facts(answer(500)), healthy, policy, now, 0.5);
    expect(first.health).toMatchObject({ consecutiveFailures: 1, failingSince: now - 100 });
    expect(
      decideAttempt(facts(answer(500), { attempt: 4 }), first.health, policy, now, 0.5),
    ).toMatchObject({
      next: { status: 'failed' },
      events: [{ type: 'message.attempt.exhausted' }],
    });
    const longer = { ...policy, scheduleSeconds: [1, 1, 1, 1, 1] };
    expect(
      decideAttempt(facts(answer(500), { attempt: 4 }), first.health, longer, now, 0.5).events,
    ).toEqual([{ type: 'message.attempt.failing' }]);
  });

  it('fails at once on a 410 and disables the endpoint as gone', () => {
    const decision = decideAttempt(facts(answer(410)), healthy, policy, now, 0.5);
    expect(decision).toMatchObject({ next: { status: 'failed' }, disable: 'gone' });
    expect(decision.health.disabled).toBe(true);
    expect(decision.events).toContainEqual({
      type: 'endpoint.disabled',
      trigger: 'gone',
      failingSince: now - 100,
    });
  });

  it('disables an endpoint that has failed without a success for longer than the policy allows', () => {
    const long = {
      ...healthy,
      consecutiveFailures: 40,
      failingSince: now - policy.disableAfterMs - 1,
    };
    const decision = decideAttempt(facts(answer(500)), long, policy, now, 0.5);
    expect(decision.disable).toBe('failing');
    expect(decision.events).toContainEqual({
      type: 'endpoint.disabled',
      trigger: 'automatic',
      failingSince: long.failingSince,
    });
    // Already disabled: nothing more to decide about it.
    const again = decideAttempt(facts(answer(500)), { ...long, disabled: true }, policy, now, 0.5);
    expect(again.disable).toBeNull();
  });

  it('lets a Retry-After on 429 replace the delay, within the floor and the schedule ceiling', () => {
    const at = (retryAfter: string) =>
      decideAttempt(facts(answer(429, retryAfter)), healthy, policy, now, 0.5).next;
    expect(at('120')).toEqual({ status: 'pending', nextAttemptAt: now + 120_000 });
    expect(at('1')).toEqual({ status: 'pending', nextAttemptAt: now + 60_000 });
    expect(at('99999')).toEqual({ status: 'pending', nextAttemptAt: now + 1_800_000 });
  });

  it('never retries a manual attempt, and does not call it exhausted', () => {
    const decision = decideAttempt(facts(answer(500), { manual: true }), healthy, policy, now, 0.5);
    expect(decision.next).toEqual({ status: 'failed' });
    expect(decision.events).toEqual([]);
  });

  it('follows the breaker transition the endpoint gate counted', () => {
    expect(
      decideAttempt(facts(answer(500), { breaker: 'opened' }), healthy, policy, now, 0.5).health
        .breaker,
    ).toBe('open');
    const open = { ...healthy, breaker: 'open' as const };
    expect(
      decideAttempt(facts(answer(200), { breaker: 'closed' }), open, policy, now, 0.5),
    ).toMatchObject({
      health: { breaker: 'closed' },
      healthChanged: true,
    });
  });

  it('leaves the endpoint alone when nothing was sent, and cancels the delivery of a deleted endpoint', () => {
    const unsent = (reason: 'endpoint_disabled' | 'no_secret' | 'signing_failed') =>
      decideAttempt(facts({ kind: 'unsent', reason }), healthy, policy, now, 0.5);
    expect(unsent('endpoint_disabled')).toMatchObject({
      result: 'failed',
      next: { status: 'failed' },
      healthChanged: false,
    });
    expect(unsent('signing_failed').next).toEqual({ status: 'pending', nextAttemptAt: now + 5000 });
    expect(decideAttempt(facts({ kind: 'canceled' }), healthy, policy, now, 0.5)).toMatchObject({
      result: null,
      next: { status: 'canceled' },
    });
  });

  it("raises no events for the operational-webhook application's own deliveries", () => {
    const decision = decideAttempt(
      facts(answer(410), { systemApp: true }),
      healthy,
      policy,
      now,
      0.5,
    );
    expect(decision.disable).toBe('gone');
    expect(decision.events).toEqual([]);
  });
});
