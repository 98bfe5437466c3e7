/**
 * When to try a failed delivery again. Pure: the caller supplies the randomness, so the
 * schedule is testable and the same inputs give the same answer.
 */

/** Standard Webhooks' schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts in all). */
export const defaultRetryScheduleSeconds = [5, 300, 1800, 7200, 18000, 36000, 36000] as const;

/** Each delay is spread by up to this fraction either way, so retries of a burst do not align. */
export const retryJitter = 0.2;

export interface RetryPolicy {
  /** Delays before the 2nd, 3rd, ... attempt, in seconds. */
  scheduleSeconds: readonly number[];
}

export type RetryDecision =
  /** Try again after `delayMs`. */
  | { retry: true; delayMs: number }
  /** The schedule is used up: the delivery has failed. */
  | { retry: false };

/**
 * The decision after attempt number `attempt` (1-based) failed. `random` is a number in
 * [0, 1), as from Math.random.
 */
export function nextRetry(policy: RetryPolicy, attempt: number, random: number): RetryDecision {
  const base = policy.scheduleSeconds[attempt - 1];
  if (base === undefined) return { retry: false };
  const factor = 1 - retryJitter + 2 * retryJitter * random;
  return { retry: true, delayMs: Math.round(base * 1000 * factor) };
}

/** The number of attempts a delivery gets in all. */
export function maxAttempts(policy: RetryPolicy): number {
  return policy.scheduleSeconds.length + 1;
}
