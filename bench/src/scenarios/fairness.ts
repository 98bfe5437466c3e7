import type { Context, Figure, ScenarioResult } from '../context.ts';
import { startApi, startWorkers, stopHookrail, Tenant, type Running } from '../hookrail.ts';
import { runLoad, type LoadResult } from '../load.ts';
import { drainRate } from '../receiver.ts';
import { fmt, percentiles, type Percentiles } from '../stats.ts';
import { benchApps } from './ingest.ts';

/** One drain of the busy tenant's backlog, with or without the quiet tenant sending. */
interface Round {
  backlog: number;
  fillPerSec: number;
  /** The busy tenant's deliveries per second, first receipt to last. */
  drainPerSec: number;
  drainMs: number;
  quiet?: {
    accepted: number;
    /** Accept-to-receipt of the quiet tenant's messages, ms. */
    latency: Percentiles;
    /**
     * What first-in first-out would have made of it: the busy tenant's deliveries still to
     * arrive when each quiet message was accepted, at the drain rate measured.
     */
    fifoEstimate: Percentiles;
  };
}

/** Deadline for a drain: generous, as a slow build must still finish and say how slow. */
const deadlineMs = (n: number) => 120_000 + n * 20;

/**
 * Fairness between tenants: the busy tenant fills a backlog through the API (ten applications,
 * one endpoint each) while no worker runs; then the worker starts and drains it. In the second
 * round, the quiet tenant sends messages at a low rate (open loop) for most of the drain.
 */
async function round(ctx: Context, backlog: number, quietRate?: number, quietForMs = 0) {
  await ctx.fresh();
  const apps = benchApps(ctx.options.drain.apps);
  const { api, origin } = await startApi(ctx.settings());
  let running: Running = { origin, api };
  try {
    const busy = await Tenant.create(origin);
    await busy.seed(apps, (uid) => [`${ctx.receivers.url}/ok/${uid}`]);
    const quiet = await Tenant.create(origin);
    await quiet.seed(['quiet'], () => [`${ctx.receivers.url}/ok/quiet`]);
    const fill = await runLoad({
      origin,
      headers: busy.headers,
      paths: apps.map((uid) => `/api/v1/app/${uid}/msg`),
      body: 'message',
      mode: 'closed',
      concurrency: ctx.options.drain.fillConcurrency,
      count: backlog,
    });
    if (fill.accepted !== backlog) throw new Error(`fill: ${fill.accepted} of ${backlog}`);
    await ctx.receivers.reset();
    const workers = await startWorkers(ctx.settings(), ctx.options.workers);
    running = { ...running, workers };
    let load: LoadResult | undefined;
    if (quietRate !== undefined) {
      load = await runLoad({
        origin,
        headers: quiet.headers,
        paths: ['/api/v1/app/quiet/msg'],
        body: 'message',
        mode: 'open',
        rate: quietRate,
        durationMs: quietForMs,
        recordIds: true,
      });
    }
    const expected = backlog + (load?.acceptedAll ?? 0);
    const seen = await ctx.receivers.waitForCount(expected, deadlineMs(backlog));
    if (seen < expected) ctx.say(`fairness: only ${seen} of ${expected} arrived`);
    const receipts = await ctx.receivers.receipts('ok');
    const quietIds = new Set(load?.accepts?.ids ?? []);
    const arrival = new Map<string, number>();
    const busyTimes: number[] = [];
    receipts.ids.forEach((id, i) => {
      const at = receipts.times[i] ?? Infinity;
      if (quietIds.has(id)) arrival.set(id, Math.min(at, arrival.get(id) ?? Infinity));
      else busyTimes.push(at);
    });
    const drainPerSec = drainRate(busyTimes);
    const result: Round = {
      backlog,
      fillPerSec: fill.acceptedPerSec,
      drainPerSec,
      drainMs: Math.max(...busyTimes) - Math.min(...busyTimes),
    };
    if (load?.accepts !== undefined) {
      const { ids, times } = load.accepts;
      const latency = ids.map((id, i) => (arrival.get(id) ?? Infinity) - (times[i] ?? 0));
      const fifo = times.map((t) => (busyTimes.filter((at) => at > t).length / drainPerSec) * 1000);
      result.quiet = {
        accepted: ids.length,
        latency: percentiles(latency),
        fifoEstimate: percentiles(fifo),
      };
    }
    return result;
  } finally {
    await stopHookrail(running);
  }
}

export async function fairness(ctx: Context): Promise<ScenarioResult> {
  const { backlog, quietRate } = ctx.options.fairness;
  const alone = await round(ctx, backlog);
  ctx.say(`fairness: ${backlog} alone drained at ${fmt(alone.drainPerSec)}/s`);
  // The quiet tenant sends for the first 80% of the drain's length as measured alone.
  const shared = await round(ctx, backlog, quietRate, Math.max(1000, alone.drainMs * 0.8));
  ctx.say(`fairness: ${backlog} beside the quiet tenant drained at ${fmt(shared.drainPerSec)}/s`);
  const quiet = shared.quiet;
  const figures: Figure[] = [];
  if (quiet !== undefined) {
    const during = `during a ${backlog} backlog of another tenant`;
    figures.push(
      {
        scenario: 'fairness',
        name: `quiet tenant (${quietRate}/s) accept-to-receipt p50 ${during}`,
        value: quiet.latency.p50,
        unit: 'ms',
        reference: { name: 'FIFO, estimated', value: quiet.fifoEstimate.p50 },
        ratio: quiet.latency.p50 / quiet.fifoEstimate.p50,
      },
      {
        scenario: 'fairness',
        name: `quiet tenant accept-to-receipt p99 ${during}`,
        value: quiet.latency.p99,
        unit: 'ms',
        reference: { name: 'FIFO, estimated', value: quiet.fifoEstimate.p99 },
        ratio: quiet.latency.p99 / quiet.fifoEstimate.p99,
      },
    );
  }
  figures.push({
    scenario: 'fairness',
    name: `busy tenant's drain of ${backlog}, beside the quiet tenant vs alone`,
    value: shared.drainPerSec,
    unit: '/s',
    reference: { name: 'alone', value: alone.drainPerSec },
    ratio: shared.drainPerSec / alone.drainPerSec,
  });
  return { figures, details: { alone, shared } };
}
