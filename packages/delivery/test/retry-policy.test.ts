import { describe, expect, it } from 'vitest';
import {
  defaultRetryScheduleSeconds,
  maxAttempts,
  nextRetry,
  parseRetryAfter,
} from '../src/index.ts';

const policy = { scheduleSeconds: defaultRetryScheduleSeconds };

describe('the retry policy', () => {
  it('follows the schedule, 8 attempts in all by default', () => {
    expect(maxAttempts(policy)).toBe(8);
    const middle = [1, 2, 3, 4, 5, 6, 7].map((attempt) => nextRetry(policy, attempt, 0.5));
    expect(middle).toEqual(
      defaultRetryScheduleSeconds.map((s) => ({ retry: true, delayMs: s * 1000 })),
    );
  });

  it('gives up after the last scheduled attempt', () => {
    expect(nextRetry(policy, 8, 0.5)).toEqual({ retry: false, reason: 'exhausted' });
    expect(nextRetry(policy, 9, 0.5)).toEqual({ retry: false, reason: 'exhausted' });
  });

  it('spreads each delay by at most 20% either way', () => {
    expect(nextRetry(policy, 2, 0)).toEqual({ retry: true, delayMs: 240_000 });
    expect(nextRetry(policy, 2, 0.999999)).toEqual({ retry: true, delayMs: 360_000 });
  });

  it('takes any schedule, including fractions of a second', () => {
    const fast = { scheduleSeconds: [0.2, 2] };
    expect(maxAttempts(fast)).toBe(3);
    expect(nextRetry(fast, 1, 0.5)).toEqual({ retry: true, delayMs: 200 });
    expect(nextRetry(fast, 2, 0.5)).toEqual({ retry: true, delayMs: 2000 });
    expect(nextRetry(fast, 3, 0.5)).toEqual({ retry: false, reason: 'exhausted' });
  });
});

describe('the retry policy with a failed response', () => {
  const throttled = { scheduleSeconds: [5, 300, 1800], throttleMinDelayMs: 60_000 };

  it('ends the delivery on 410 Gone, whatever the schedule says', () => {
    expect(nextRetry(throttled, 1, 0.5, { statusCode: 410, retryAfterMs: null })).toEqual({
      retry: false,
      reason: 'gone',
    });
  });

  it('honours Retry-After on 429 and 503 between the floor and the longest scheduled delay', () => {
    const after = (statusCode: number, retryAfterMs: number) =>
      nextRetry(throttled, 1, 0.5, { statusCode, retryAfterMs });
    expect(after(429, 1000)).toEqual({ retry: true, delayMs: 60_000 });
    expect(after(503, 120_000)).toEqual({ retry: true, delayMs: 120_000 });
    expect(after(429, 99_000_000)).toEqual({ retry: true, delayMs: 1_800_000 });
    // Other statuses keep the schedule.
    expect(after(500, 120_000)).toEqual({ retry: true, delayMs: 5000 });
  });

  it('still gives up when the schedule is used up', () => {
    expect(nextRetry(throttled, 4, 0.5, { statusCode: 429, retryAfterMs: 1000 })).toEqual({
      retry: false,
      reason: 'exhausted',
    });
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
