/**
 * When to try a failed delivery again. Pure: the caller supplies the response and the
 * randomness, so the schedule is testable and the same inputs give the same answer.
 */

/** Standard Webhooks' schedule: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts in all). */
export const defaultRetryScheduleSeconds = [5, 300, 1800, 7200, 18000, 36000, 36000] as const;

/** Each delay is spread by up to this fraction either way, so retries of a burst do not align. */
export const retryJitter = 0.2;

export interface RetryPolicy {
  /** Delays before the 2nd, 3rd, ... attempt, in seconds. */
  scheduleSeconds: readonly number[];
  /**
   * The shortest wait a `Retry-After` on a 429 or 503 may ask for. @defaultValue 60 s
   */
  throttleMinDelayMs?: number;
}

/** What the failed attempt got back, as far as retrying cares. */
export interface FailedResponse {
  /** The HTTP status, or null without a response (timeout, network error). */
  statusCode: number | null;
  /** The response's `Retry-After`, in milliseconds, when it had a valid one. */
  retryAfterMs: number | null;
}

export type RetryDecision =
  /** Try again after `delayMs`. */
  | { retry: true; delayMs: number }
  /** No more attempts: the schedule is used up, or the endpoint is gone (410). */
  | { retry: false; reason: 'exhausted' | 'gone' };

/**
 * The decision after attempt number `attempt` (1-based) failed. A 410 ends the delivery. A
 * `Retry-After` on 429 or 503 replaces the scheduled delay, but never below
 * `throttleMinDelayMs` and never above the longest delay of the schedule. `random` is a number
 * in [0, 1), as from Math.random.
 */
export function nextRetry(
  policy: RetryPolicy,
  attempt: number,
  random: number,
  response: FailedResponse = { statusCode: null, retryAfterMs: null },
): RetryDecision {
  if (response.statusCode === 410) return { retry: false, reason: 'gone' };
  const base = policy.scheduleSeconds[attempt - 1];
  if (base === undefined) return { retry: false, reason: 'exhausted' };
  const throttled = response.statusCode === 429 || response.statusCode === 503;
  if (throttled && response.retryAfterMs !== null) {
    const ceiling = Math.max(...policy.scheduleSeconds) * 1000;
    const floor = Math.min(policy.throttleMinDelayMs ?? 60_000, ceiling);
    return {
      retry: true,
      delayMs: Math.round(Math.min(Math.max(response.retryAfterMs, floor), ceiling)),
    };
  }
  const factor = 1 - retryJitter + 2 * retryJitter * random;
  return { retry: true, delayMs: Math.round(base * 1000 * factor) };
}

/** The number of attempts a delivery gets in all. */
export function maxAttempts(policy: RetryPolicy): number {
  return policy.scheduleSeconds.length + 1;
}

/** A `Retry-After` value (seconds, or an HTTP date) in milliseconds from `now`; null if invalid. */
export function parseRetryAfter(value: string | undefined, now: number): number | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
