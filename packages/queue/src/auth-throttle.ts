import { redisKey, type RedisClient } from './redis.ts';

/**
 * Counts failed authentications per client address in Redis, so that every API instance
 * sees the same count. A fixed window: the first failure starts it, and it ends
 * `windowSeconds` later whatever happens meanwhile. One script per failure: increment, start
 * the window if this is its first failure, answer the count and the time left.
 */
const failureScript = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}
`;

export interface AuthThrottleSettings {
  /**
   * Failures an address may have within one window; the ones after it are throttled.
   * @defaultValue 20
   */
  limit: number;
  /**
   * Length of the window, in seconds, from its first failure.
   * @defaultValue 300
   */
  windowSeconds: number;
  /**
   * How long a failure waits for Redis before it is answered as if Redis were not there
   * (unthrottled): authentication never depends on Redis being up.
   * @defaultValue 250
   */
  timeoutMs: number;
}

export const defaultAuthThrottleSettings: AuthThrottleSettings = {
  limit: 20,
  windowSeconds: 300,
  timeoutMs: 250,
};

export type AuthFailureVerdict =
  /** Within the allowance (or Redis could not be asked): 401. */
  | { throttled: false }
  /** Over it: 429, with Retry-After set to when the window ends. */
  | { throttled: true; retryAfterSeconds: number };

export interface AuthThrottle {
  /** Counts one failed authentication from `address` and says whether it is throttled. */
  recordFailure(address: string): Promise<AuthFailureVerdict>;
}

export function createAuthThrottle(
  redis: RedisClient,
  prefix: string,
  settings: AuthThrottleSettings = defaultAuthThrottleSettings,
): AuthThrottle {
  // EVAL rather than a defined command: it runs only on failures, and needs no set-up of the
  // connection (which may not exist yet when the app is built).
  return {
    async recordFailure(address) {
      let timer: NodeJS.Timeout | undefined;
      try {
        const [count, ttlMs] = await Promise.race([
          redis.eval(
            failureScript,
            1,
            redisKey(prefix, 'auth-failures', address),
            settings.windowSeconds * 1000,
          ) as Promise<[number, number]>, // the script returns {count, ttl}
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('redis too slow')), settings.timeoutMs);
          }),
        ]);
        if (count <= settings.limit) return { throttled: false };
        return { throttled: true, retryAfterSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
      } catch {
        // Redis is unreachable or slow: the failure goes uncounted rather than held up.
        return { throttled: false };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
