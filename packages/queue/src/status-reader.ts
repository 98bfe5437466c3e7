import { randomBytes } from 'node:crypto';
import { redisKey, type RedisClient } from './redis.ts';
import { parseStatusEntry, statusStreamKey, type StatusEvent } from './status-stream.ts';

/**
 * Orders the decimal digits of `a` in [aFrom, aTo) against those of `b` in [bFrom, bTo), as
 * numbers of any size (leading zeros allowed, no digits at all read as 0): negative, zero or
 * positive.
 */
function compareDigits(
  a: string,
  aFrom: number,
  aTo: number,
  b: string,
  bFrom: number,
  bTo: number,
) {
  while (aFrom < aTo && a.charCodeAt(aFrom) === 48) aFrom++;
  while (bFrom < bTo && b.charCodeAt(bFrom) === 48) bFrom++;
  if (aTo - aFrom !== bTo - bFrom) return aTo - aFrom - (bTo - bFrom);
  for (; aFrom < aTo; aFrom++, bFrom++) {
    const diff = a.charCodeAt(aFrom) - b.charCodeAt(bFrom);
    if (diff !== 0) return diff;
  }
  return 0;
}

/**
 * Orders two stream ids (`<ms>-<seq>`): negative, zero or positive. Called for every event and
 * every client, so it compares the digits in place rather than parsing them.
 */
export function compareStreamIds(a: string, b: string): number {
  if (a === b) return 0;
  const aDash = a.indexOf('-') < 0 ? a.length : a.indexOf('-');
  const bDash = b.indexOf('-') < 0 ? b.length : b.indexOf('-');
  const ms = compareDigits(a, 0, aDash, b, 0, bDash);
  if (ms !== 0) return Math.sign(ms);
  const seq = compareDigits(
    a,
    Math.min(aDash + 1, a.length),
    a.length,
    b,
    Math.min(bDash + 1, b.length),
    b.length,
  );
  return Math.sign(seq);
}

/** A stream id as clients send it back: `<ms>-<seq>`. */
export function isStreamId(value: string): boolean {
  return /^\d{1,20}-\d{1,20}$/.test(value);
}

export interface StatusReaderOptions {
  /** A connection for the blocking read alone (`role: 'worker'`: it waits out Redis outages). */
  blocking: RedisClient;
  /** A connection for short queries (ranges, the stream's state). */
  query: RedisClient;
  prefix: string;
  /** Receives each tenant's new events, in order, as they are read. */
  onEvents: (tenantId: string, events: StatusEvent[]) => void;
  onError?: (error: Error) => void;
  /**
   * A read follows the one before it by at least this long. While events flow, each read (and
   * each fan-out, one socket write per client) then carries what came in that time instead of
   * the few events of one producer's call; after a quiet spell the read is already waiting,
   * so the first event goes out at once. @defaultValue 20
   */
  minReadIntervalMs?: number;
}

export interface StatusReader {
  /**
   * Follows the tenant's stream from now on (until as many `unwatch` calls as `watch` calls).
   * Resolves once its position is known: every event appended afterwards reaches `onEvents`.
   */
  watch(tenantId: string): Promise<void>;
  unwatch(tenantId: string): void;
  /** The id of the last event handed to `onEvents` for a watched tenant (`0-0` before any). */
  position(tenantId: string): string;
  /** Up to `count` events after `afterId`, oldest first. */
  range(tenantId: string, afterId: string, count: number): Promise<StatusEvent[]>;
  /**
   * True when events after `afterId` may have left the stream: trimmed out of the window, or
   * lost with the stream itself (Redis flushed or restarted, or the tenant idle for a window).
   */
  lostAfter(tenantId: string, afterId: string): Promise<boolean>;
  close(): void;
}

interface Watched {
  position: string;
  watchers: number;
}

/**
 * One blocking `XREAD` per API process over the streams of the tenants its clients watch. A
 * newly watched tenant wakes the read through a small stream of the reader's own, so the read
 * never waits with a stale list of keys; with nothing watched, nothing is read at all.
 */
export function createStatusReader(options: StatusReaderOptions): StatusReader {
  const { blocking, query, prefix } = options;
  const wakeKey = redisKey(prefix, 'status-wake', randomBytes(8).toString('hex'));
  let wakeId = '0-0';
  const watched = new Map<string, Watched>();
  const starts = new Map<string, Promise<void>>();
  let closed = false;
  const isClosed = () => closed;
  let idle: (() => void) | undefined;
  const minReadIntervalMs = options.minReadIntervalMs ?? 20;
  let lastRead = 0;

  const wake = async () => {
    idle?.();
    await query
      .multi()
      .xadd(wakeKey, 'MAXLEN', '=', 1, '*', 'w', '1')
      .pexpire(wakeKey, 60_000)
      .exec();
  };

  const loop = async () => {
    while (!isClosed()) {
      if (watched.size === 0) {
        await new Promise<void>((resolve) => (idle = resolve));
        idle = undefined;
        continue;
      }
      const wait = lastRead + minReadIntervalMs - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (isClosed()) return;
      lastRead = Date.now();
      const tenants = [...watched.keys()];
      const keys = tenants.map((tenantId) => statusStreamKey(prefix, tenantId));
      const ids = tenants.map((tenantId) => watched.get(tenantId)?.position ?? '0-0');
      let reply: [string, [string, string[]][]][] | null;
      try {
        reply = await blocking.xread(
          'COUNT',
          1000,
          'BLOCK',
          30_000,
          'STREAMS',
          wakeKey,
          ...keys,
          wakeId,
          ...ids,
        );
      } catch (error) {
        if (isClosed()) return;
        options.onError?.(error as Error);
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      for (const [key, entries] of reply ?? []) {
        const last = entries.at(-1)?.[0];
        if (last === undefined) continue;
        if (key === wakeKey) {
          wakeId = last;
          continue;
        }
        const tenantId = tenants[keys.indexOf(key)];
        const state = tenantId === undefined ? undefined : watched.get(tenantId);
        if (tenantId === undefined || state === undefined) continue;
        if (compareStreamIds(last, state.position) <= 0) continue;
        state.position = last;
        const events = entries.flatMap(([id, fields]) => parseStatusEntry(id, fields) ?? []);
        if (events.length > 0) options.onEvents(tenantId, events);
      }
    }
  };
  void loop();

  return {
    async watch(tenantId) {
      const existing = watched.get(tenantId);
      if (existing !== undefined) {
        existing.watchers += 1;
        return;
      }
      // Read from the newest entry on; the tenant joins the read only once that is known.
      let starting = starts.get(tenantId);
      if (starting === undefined) {
        starting = query
          .xrevrange(statusStreamKey(prefix, tenantId), '+', '-', 'COUNT', 1)
          .then(async ([newest]) => {
            watched.set(tenantId, { position: newest?.[0] ?? '0-0', watchers: 0 });
            await wake();
          })
          .finally(() => starts.delete(tenantId));
        starts.set(tenantId, starting);
      }
      await starting;
      const state = watched.get(tenantId);
      if (state !== undefined) state.watchers += 1;
    },
    unwatch(tenantId) {
      const state = watched.get(tenantId);
      if (state === undefined) return;
      state.watchers -= 1;
      if (state.watchers <= 0) watched.delete(tenantId);
    },
    position: (tenantId) => watched.get(tenantId)?.position ?? '0-0',
    async range(tenantId, afterId, count) {
      const entries = await query.xrange(
        statusStreamKey(prefix, tenantId),
        `(${afterId}`,
        '+',
        'COUNT',
        count,
      );
      return entries.flatMap(([id, fields]) => parseStatusEntry(id, fields) ?? []);
    },
    async lostAfter(tenantId, afterId) {
      let info: unknown[];
      try {
        info = (await query.xinfo('STREAM', statusStreamKey(prefix, tenantId))) as unknown[];
      } catch {
        return true; // no stream at all: whatever followed afterId is gone with it
      }
      const field = (name: string) => info[info.indexOf(name) + 1];
      const first = field('first-entry');
      const firstId = Array.isArray(first) && typeof first[0] === 'string' ? first[0] : undefined;
      // Trimming removes the oldest first: while anything up to afterId is left, nothing after it
      // was removed. Otherwise the entries after afterId are intact only if afterId itself was
      // the last one removed.
      if (firstId !== undefined && compareStreamIds(firstId, afterId) <= 0) return false;
      return field('max-deleted-entry-id') !== afterId;
    },
    close() {
      closed = true;
      idle?.();
      blocking.disconnect();
    },
  };
}
