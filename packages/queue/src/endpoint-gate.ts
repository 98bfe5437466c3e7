import { redisKey, type RedisClient } from './redis.ts';
import { appendStatusEvents, countFailed, type StatusPublisher } from './status-stream.ts';

/**
 * Per-endpoint admission, shared by every worker process through Redis. One Lua script per
 * decision, so concurrent workers never both take the last slot. Keys of one endpoint:
 * `inflight` (sorted set of job keys scored by lease expiry: a crashed worker's slot frees
 * itself), `bucket` (GCRA theoretical arrival time), `reserved` (jobs that already hold a
 * future rate slot), `breaker` (circuit state, and `slow_until`: the endpoint answered slowly
 * lately). One key for all endpoints: `slow` (requests in flight to slow endpoints, scored
 * like `inflight`), which bounds what slow endpoints hold across workers.
 */
const admitScript = `
local inflight, bucket, reserved, breaker, slowset = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local now, job = tonumber(ARGV[1]), ARGV[2]
local cap, rate, burst, lease = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local slowAfter, slowRoom, slowTotal = tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9])

-- 1. Circuit breaker: while open, only one probe at a time, once its time has come.
local state = redis.call('HGET', breaker, 'state') or 'closed'
local probe = 0
if state == 'open' then
  local nextProbe = tonumber(redis.call('HGET', breaker, 'next_probe') or '0')
  if now < nextProbe then
    return {0, nextProbe - now, 'breaker_open', tonumber(redis.call('HGET', breaker, 'interval') or '1000')}
  end
  probe = 1
elseif state == 'half_open' then
  local holder = redis.call('HGET', breaker, 'probe')
  local until_ = tonumber(redis.call('HGET', breaker, 'probe_until') or '0')
  if holder ~= job and now < until_ then
    return {0, until_ - now, 'breaker_probing', 0}
  end
  probe = 1
end

-- 2. In-flight cap, lowered by the ramp that follows a recovery.
redis.call('ZREMRANGEBYSCORE', inflight, '-inf', now)
local limit = cap
local ramp = tonumber(redis.call('HGET', breaker, 'ramp') or '0')
if ramp > 0 and ramp < limit then limit = ramp end
if probe == 1 then limit = 1 end
local again = redis.call('ZSCORE', inflight, job)
if not again and redis.call('ZCARD', inflight) >= limit then
  return {0, 0, 'inflight_cap', 0}
end

-- 3. Slow class: the endpoint answered slowly lately, or has a request open for longer than
--    slowAfter. Its requests share one budget with every other slow endpoint's: this
--    worker's (slowRoom, counted by the worker) and all workers' (the slow set).
local slow = 0
if tonumber(redis.call('HGET', breaker, 'slow_until') or '0') > now then
  slow = 1
else
  local oldest = redis.call('ZRANGE', inflight, 0, 0, 'WITHSCORES')
  if oldest[2] and tonumber(oldest[2]) - lease + slowAfter <= now then slow = 1 end
end
if slow == 1 and not again then
  redis.call('ZREMRANGEBYSCORE', slowset, '-inf', now)
  if slowRoom == 0 or redis.call('ZCARD', slowset) >= slowTotal then
    return {0, 0, 'slow_budget', 0}
  end
end

-- 4. Rate limit (GCRA). A job that must wait reserves its slot now, so waiting jobs are
--    spread one emission interval apart instead of all waking at once.
if rate > 0 then
  local slot = redis.call('ZSCORE', reserved, job)
  if slot then
    slot = tonumber(slot)
    if slot > now then return {0, slot - now, 'rate_limited', 0} end
    redis.call('ZREM', reserved, job)
  else
    local interval = 1000 / rate
    local tat = tonumber(redis.call('GET', bucket) or '0')
    if tat < now then tat = now end
    local allowAt = tat - (burst - 1) * interval
    redis.call('SET', bucket, tostring(tat + interval), 'PX', math.ceil(tat + interval - now + 60000))
    if allowAt > now then
      redis.call('ZADD', reserved, allowAt, job)
      redis.call('ZREMRANGEBYSCORE', reserved, '-inf', now - 3600000)
      return {0, allowAt - now, 'rate_limited', 0}
    end
  end
end

redis.call('ZADD', inflight, now + lease, job)
if slow == 1 then redis.call('ZADD', slowset, now + lease, job) end
if probe == 1 then
  redis.call('HSET', breaker, 'state', 'half_open', 'probe', job, 'probe_until', tostring(now + lease))
end
return {1, 0, probe == 1 and 'probe' or 'ok', slow}
`;

const reportScript = `
local inflight, breaker, slowset = KEYS[1], KEYS[2], KEYS[3]
local now, job, outcome = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local threshold, probeBase, probeMax, cap = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local slow, slowHold = ARGV[8], tonumber(ARGV[9])
redis.call('ZREM', inflight, job)
redis.call('ZREM', slowset, job)
if outcome == 'none' then return {'none', 0} end
if slow == '1' then
  redis.call('HSET', breaker, 'slow_until', tostring(now + slowHold))
else
  redis.call('HDEL', breaker, 'slow_until')
end
local state = redis.call('HGET', breaker, 'state') or 'closed'
if outcome == 'success' then
  if state ~= 'closed' then
    redis.call('HSET', breaker, 'state', 'closed', 'failures', '0', 'ramp', '1')
    redis.call('HDEL', breaker, 'probe', 'probe_until', 'next_probe', 'interval')
    return {'closed', 0}
  end
  local ramp = tonumber(redis.call('HGET', breaker, 'ramp') or '0')
  if ramp > 0 then
    if ramp * 2 >= cap then redis.call('HDEL', breaker, 'ramp') else redis.call('HSET', breaker, 'ramp', tostring(ramp * 2)) end
  end
  redis.call('HSET', breaker, 'failures', '0')
  return {'none', 0}
end
local failures = redis.call('HINCRBY', breaker, 'failures', 1)
if state == 'half_open' then
  local interval = math.min(probeMax, tonumber(redis.call('HGET', breaker, 'interval') or tostring(probeBase)) * 2)
  redis.call('HSET', breaker, 'state', 'open', 'interval', tostring(interval), 'next_probe', tostring(now + interval))
  redis.call('HDEL', breaker, 'probe', 'probe_until', 'ramp')
  return {'reopened', failures}
end
if state == 'closed' and failures >= threshold then
  redis.call('HSET', breaker, 'state', 'open', 'interval', tostring(probeBase), 'next_probe', tostring(now + probeBase))
  redis.call('HDEL', breaker, 'ramp')
  return {'opened', failures}
end
return {'none', failures}
`;

export interface GateSettings {
  /** Consecutive failures that open the breaker. */
  breakerFailures: number;
  /** First wait before a probe; doubles after each failed probe up to `probeMaxMs`. */
  probeBaseMs: number;
  probeMaxMs: number;
  /**
   * An endpoint with a request open this long, or whose last answer took this long, is slow.
   */
  slowAfterMs: number;
  /** Requests in flight to slow endpoints across all workers, at most. */
  slowTotal: number;
}

/** How long one slow answer keeps an endpoint slow unless a quick answer comes first. */
const slowHoldMs = 10 * 60_000;

export interface AdmitRequest {
  endpointId: string;
  /** Identifies the attempt (its job id): re-admitting the same one is not a second request. */
  jobKey: string;
  now: number;
  /** Requests in flight at once, at most. */
  maxInflight: number;
  /**
   * Requests per second; null is unlimited. Requests are spaced evenly (a burst of one), so
   * no one-second window ever holds more than `rate` of them.
   */
  rate: number | null;
  /** How long an admission holds its slot if it is never reported (a crashed worker). */
  leaseMs: number;
  /**
   * Whether the asking worker may take one more request to a slow endpoint (it counts its
   * own); without room, a slow endpoint's request waits outside the worker.
   */
  slowRoom: boolean;
}

export type Admission =
  /**
   * Go ahead; `probe` when this request tests an open breaker; `slow` when the endpoint is
   * slow, so the request counts against the slow budgets until it is reported.
   */
  | { admitted: true; probe: boolean; slow: boolean }
  /**
   * Not yet: come back later. `waitMs` is when the limit could allow it (0 when unknown,
   * for the in-flight cap); `spreadMs` is a window to spread waiting jobs over.
   */
  | {
      admitted: false;
      reason: 'breaker_open' | 'breaker_probing' | 'inflight_cap' | 'slow_budget' | 'rate_limited';
      waitMs: number;
      spreadMs: number;
    };

export type Transition = 'none' | 'opened' | 'reopened' | 'closed';

export interface ReportRequest {
  endpointId: string;
  jobKey: string;
  now: number;
  outcome: 'success' | 'failure' | 'none';
  /** The answer took `slowAfterMs` or longer (or never came): the endpoint is slow. */
  slow: boolean;
  maxInflight: number;
}

export interface EndpointGate {
  /** Decides many admissions in one round trip (each on its own, in order). */
  admit(requests: readonly AdmitRequest[]): Promise<Admission[]>;
  /**
   * Gives the slot back and tells the breaker how the request went (`none`: it was not
   * made, e.g. the delivery had been canceled).
   */
  report(requests: readonly ReportRequest[]): Promise<Transition[]>;
  /**
   * Reports, then admissions (which may take the slots the reports gave back), in one round
   * trip, each answered on its own: an error (a script's, a lost connection) is the answer of
   * the items it concerns.
   */
  call(
    reports: readonly ReportRequest[],
    admits: readonly AdmitRequest[],
  ): Promise<{ transitions: (Transition | Error)[]; admissions: (Admission | Error)[] }>;
}

declare module 'ioredis' {
  interface ChainableCommander {
    hookrailAdmit(...args: (string | number)[]): ChainableCommander;
    hookrailReport(...args: (string | number)[]): ChainableCommander;
  }
}

/** Each answer, or the first error among them. */
function allOrThrow<T>(answers: readonly (T | Error)[]): T[] {
  return answers.map((answer) => {
    if (answer instanceof Error) throw answer;
    return answer;
  });
}

function admission(reply: unknown): Admission {
  // The fourth value is the spread of a refusal, or the slow flag of an admission.
  const [admitted, waitMs, reason, extra] = reply as [number, number, string, number];
  if (admitted === 1) return { admitted: true, probe: reason === 'probe', slow: extra === 1 };
  return {
    admitted: false,
    reason: reason as Exclude<Admission, { admitted: true }>['reason'],
    waitMs,
    spreadMs: extra,
  };
}

/**
 * The gate of every worker. With `carry` (the status publisher of the same connection and
 * prefix), each call also sends the status events waiting in it, ahead of its own commands:
 * the events of a turn and the gate's calls then cost one round trip, not two, in the same
 * order on the connection as the publisher's own sends (see `StatusPublisher.takePending`).
 */
export function createEndpointGate(
  redis: RedisClient,
  prefix: string,
  settings: GateSettings,
  carry?: StatusPublisher,
): EndpointGate {
  if (carry !== undefined && (carry.connection !== redis || carry.settings.prefix !== prefix)) {
    throw new Error(
      'the endpoint gate carries status events of its own connection and prefix only',
    );
  }
  redis.defineCommand('hookrailAdmit', { numberOfKeys: 5, lua: admitScript });
  redis.defineCommand('hookrailReport', { numberOfKeys: 3, lua: reportScript });
  const key = (endpointId: string, part: string) => redisKey(prefix, 'ep', endpointId, part);
  const slowSet = redisKey(prefix, 'slow-inflight');
  const call: EndpointGate['call'] = async (reports, admits) => {
    if (reports.length === 0 && admits.length === 0) return { transitions: [], admissions: [] };
    const pipeline = redis.pipeline();
    const events = carry?.takePending() ?? [];
    const skip =
      carry === undefined || events.length === 0
        ? 0
        : appendStatusEvents(
            (command, args) => void pipeline.call(command, ...args),
            carry.settings,
            events,
            Date.now(),
          );
    for (const r of reports) {
      pipeline.hookrailReport(
        key(r.endpointId, 'inflight'),
        key(r.endpointId, 'breaker'),
        slowSet,
        r.now,
        r.jobKey,
        r.outcome,
        settings.breakerFailures,
        settings.probeBaseMs,
        settings.probeMaxMs,
        r.maxInflight,
        r.slow ? 1 : 0,
        slowHoldMs,
      );
    }
    for (const r of admits) {
      pipeline.hookrailAdmit(
        key(r.endpointId, 'inflight'),
        key(r.endpointId, 'bucket'),
        key(r.endpointId, 'reserved'),
        key(r.endpointId, 'breaker'),
        slowSet,
        r.now,
        r.jobKey,
        r.maxInflight,
        r.rate ?? 0,
        1,
        r.leaseMs,
        settings.slowAfterMs,
        r.slowRoom ? 1 : 0,
        settings.slowTotal,
      );
    }
    const results = await pipeline.exec().catch((error: unknown) => {
      carry?.dropped(events.length);
      throw error;
    });
    carry?.dropped(countFailed(results, events.length));
    const answer = (i: number): unknown => {
      const [error, reply] = results?.[skip + i] ?? [new Error('no reply from Redis'), null];
      return error ?? reply;
    };
    return {
      transitions: reports.map((_, i) => {
        const reply = answer(i);
        return reply instanceof Error ? reply : (reply as [Transition, number])[0];
      }),
      admissions: admits.map((_, i) => {
        const reply = answer(reports.length + i);
        return reply instanceof Error ? reply : admission(reply);
      }),
    };
  };
  return {
    call,
    admit: async (requests) => allOrThrow((await call([], requests)).admissions),
    report: async (requests) => allOrThrow((await call(requests, [])).transitions),
  };
}

/**
 * Forgets an endpoint's breaker (closed again, no failures), for when a person re-enables it:
 * its next delivery goes at once instead of waiting for a probe.
 */
export async function resetEndpointBreaker(
  redis: RedisClient,
  prefix: string,
  endpointId: string,
): Promise<void> {
  await redis.del(redisKey(prefix, 'ep', endpointId, 'breaker'));
}
