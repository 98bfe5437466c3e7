// The load generator, in a process of its own so that its CPU is not the measured server's:
// undici connection pools, closed loop (a fixed number of requests in flight) or open loop
// (requests at fixed times whatever the answers, latency counted from the scheduled time so a
// slow server cannot hide its queueing). Prints one JSON line: the figures of `LoadResult`.
import { Pool } from 'undici';
import { payload, type LoadResult, type LoadSpec } from './load.ts';
import { nowMs, percentiles } from './stats.ts';

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const concurrency = spec.concurrency ?? 1;
const pool = new Pool(spec.origin, {
  connections: spec.mode === 'open' ? 512 : concurrency,
  pipelining: 1,
});
const headers = { 'content-type': 'application/json', ...spec.headers };
/** Aborts what is still unanswered when an open loop's grace period is over. */
const abandon = new AbortController();
/** How long an open loop waits for answers after its last scheduled request. */
const openGraceMs = 5000;

const latencies: number[] = [];
const statuses: Record<string, number> = {};
const acceptedIds: string[] = [];
const acceptedTimes: number[] = [];
const acceptedPaths: number[] = [];
let sent = 0;
let accepted = 0;
let acceptedAll = 0;
let errors = 0;
let firstCounted = Infinity;
let lastCounted = -Infinity;

function bodyOf(seq: number): string {
  const data = payload(seq);
  return JSON.stringify(
    spec.body === 'message' ? { eventType: 'bench.event', payload: data } : data,
  );
}

/** One request; `origin` is the time its latency counts from, `counted` whether it is measured. */
async function send(seq: number, origin: number, counted: boolean): Promise<void> {
  const slot = seq % spec.paths.length;
  const path = spec.paths[slot] ?? '/';
  sent += 1;
  try {
    const res = await pool.request({
      path,
      method: 'POST',
      headers,
      body: bodyOf(seq),
      signal: abandon.signal,
    });
    const text = await res.body.text();
    const done = nowMs();
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    if (ok) acceptedAll += 1;
    if (!counted) return;
    statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
    latencies.push(done - origin);
    firstCounted = Math.min(firstCounted, origin);
    lastCounted = Math.max(lastCounted, done);
    if (ok) {
      accepted += 1;
      if (spec.recordIds === true) {
        acceptedIds.push(
          text.startsWith('{') ? String((JSON.parse(text) as { id?: unknown }).id) : '',
        );
        acceptedTimes.push(done);
        acceptedPaths.push(slot);
      }
    }
  } catch {
    if (!counted) return;
    errors += 1;
    // In an open loop a request that failed or was never answered is a message that did not
    // get through: it counts at the far end of the latency distribution, not nowhere.
    if (spec.mode === 'open') latencies.push(Infinity);
  }
}

async function closedLoop(): Promise<number> {
  const start = nowMs();
  const warmupEnd = start + (spec.warmupMs ?? 0);
  const end = warmupEnd + (spec.durationMs ?? Infinity);
  let seq = 0;
  const lane = async () => {
    for (;;) {
      if (spec.count !== undefined ? seq >= spec.count : nowMs() >= end) return;
      const t = nowMs();
      await send(seq++, t, t >= warmupEnd && t < end);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return spec.count !== undefined ? lastCounted - firstCounted : (spec.durationMs ?? 0);
}

async function openLoop(): Promise<number> {
  const rate = spec.rate ?? 1;
  const start = nowMs() + 50;
  const warmupEnd = start + (spec.warmupMs ?? 0);
  const total = Math.round(((spec.warmupMs ?? 0) + (spec.durationMs ?? 0)) * (rate / 1000));
  const inFlight: Promise<void>[] = [];
  for (let seq = 0; seq < total; seq++) {
    const due = start + (seq * 1000) / rate;
    const wait = due - nowMs();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait)); // the schedule
    inFlight.push(send(seq, due, due >= warmupEnd));
  }
  const grace = setTimeout(() => abandon.abort(), openGraceMs);
  await Promise.all(inFlight);
  clearTimeout(grace);
  return spec.durationMs ?? 0;
}

const elapsedMs = spec.mode === 'open' ? await openLoop() : await closedLoop();
await pool.destroy();
const result: LoadResult = {
  sent,
  accepted,
  acceptedAll,
  statuses,
  errors,
  elapsedMs,
  acceptedPerSec: elapsedMs > 0 ? (accepted * 1000) / elapsedMs : 0,
  latency: percentiles(latencies),
  ...(spec.recordIds === true
    ? { accepts: { ids: acceptedIds, times: acceptedTimes, paths: acceptedPaths } }
    : {}),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
