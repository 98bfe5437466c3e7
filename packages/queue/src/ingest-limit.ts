import { redisKey, type RedisClient } from './redis.ts';

/**
 * A per-tenant ingest limit, shared by every API instance: GCRA over one key per tenant,
 * `{prefix}:ingest:<tenant id>`, holding the theoretical arrival time (TAT) of the next
 * message. A message is allowed when the TAT is at most `(burst - 1)` emission intervals
 * ahead of now; an allowed one moves the TAT one interval on, a refused one changes nothing
 * (so a client hammering the limit does not push its own next slot further away). One script,
 * one round trip, per message.
 */
const admitScript = `
local key = KEYS[1]
local now, interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', key) or '0')
if tat < now then tat = now end
local allowAt = tat - (burst - 1) * interval
if allowAt > now then return {0, tostring(allowAt - now)} end
tat = tat + interval
redis.call('SET', key, tostring(tat), 'PX', math.ceil(tat - now) + 1000)
return {1, '0'}
`;

/** A tenant's allowance. */
export interface IngestRate {
  /** Messages per second in the long run (fractions allowed: 0.5 is one every 2 s). */
  rate: number;
  /** Messages that may arrive at once after a quiet spell (at least 1). */
  burst: number;
}

export interface IngestLimiterSettings {
  /**
   * How long a check waits for Redis before the message is let through unchecked: ingest
   * never depends on Redis being up or quick.
   * @defaultValue 200
   */
  timeoutMs: number;
  /** @defaultValue Date.now */
  now: () => number;
}

export type IngestVerdict =
  /** Within the allowance, or Redis could not be asked (fail open): the message is written. */
  | { limited: false }
  /** Over it: 429 `rate_limited`, with Retry-After (whole seconds, at least 1). */
  | { limited: true; retryAfterSeconds: number };

export interface IngestLimiter {
  /** Takes one message from the tenant's allowance, or says when one is next available. */
  admit(tenantId: string, limit: IngestRate): Promise<IngestVerdict>;
}

declare module 'ioredis' {
  interface RedisCommander {
    hookrailIngestAdmit(
      key: string,
      now: number,
      interval: number,
      burst: number,
    ): Promise<unknown>;
  }
}

/**
 * `redis` should fail commands at once while disconnected (a `probe` connection), so that a
 * Redis outage costs ingest nothing but the check.
 */
export function createIngestLimiter(
  redis: RedisClient,
  prefix: string,
  settings: Partial<IngestLimiterSettings> = {},
): IngestLimiter {
  const { timeoutMs = 200, now = Date.now } = settings;
  // Defined on first use: an API that never limits anyone never touches the connection.
  let defined = false;
  return {
    async admit(tenantId, limit) {
      if (redis.status !== 'ready') return { limited: false };
      if (!defined) {
        redis.defineCommand('hookrailIngestAdmit', { numberOfKeys: 1, lua: admitScript });
        defined = true;
      }
      let timer: NodeJS.Timeout | undefined;
      try {
        const reply = await Promise.race([
          redis.hookrailIngestAdmit(
            redisKey(prefix, 'ingest', tenantId),
            now(),
            1000 / limit.rate,
            Math.max(1, Math.floor(limit.burst)),
          ),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('redis too slow')), timeoutMs);
          }),
        ]);
        const [allowed, waitMs] = reply as [number, string]; // the script returns {allowed, wait}
        if (allowed === 1) return { limited: false };
        return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(Number(waitMs) / 1000)) };
      } catch {
        // Redis is unreachable, slow or refused the script: the message goes through.
        return { limited: false };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
