import { describe, expect, it } from 'vitest';
import { defaultRetryScheduleSeconds, maxAttempts, nextRetry } from '../src/index.ts';

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
    expect(nextRetry(policy, 8, 0.5)).toEqual({ retry: false });
    expect(nextRetry(policy, 9, 0.5)).toEqual({ retry: false });
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
    expect(nextRetry(fast, 3, 0.5)).toEqual({ retry: false });
  });
});
