import type { Context } from './context.ts';
import {
  startApi,
  startStandalone,
  startWorkers,
  stopHookrail,
  Tenant,
  type Running,
} from './hookrail.ts';
import { runLoad } from './load.ts';
import { startNode, type Child } from './process.ts';
import { memoryMB, startCpuMeter } from './proc.ts';
import { drainRate } from './receiver.ts';
import { watchEverything, type Subscribers } from './subscribers.ts';
import { benchApps } from './scenarios/ingest.ts';

/** One drain of a backlog: how fast, what it cost, and (when sampled) memory over time. */
export interface Drain {
  messages: number;
  /** Messages per second while the backlog was filled through the API (closed loop). */
  fillPerSec: number;
  /** Deliveries per second, first receipt to last. */
  perSec: number;
  received: number;
  /** Deliveries that arrived more than once. */
  duplicates: number;
  /** CPU ms per delivery by process group. */
  cpuPerDelivery: Record<string, number>;
  /** Peak resident memory (MB) of the delivering process. */
  peakRssMB: number;
  /** Peak resident memory (MB) of the API process that filled the backlog. */
  apiPeakRssMB: number;
  /** Every second: seconds since start, receipts so far, RSS (MB) by process. */
  samples: { s: number; received: number; rss: Record<string, number> }[];
  /** Status stream events each subscriber received during the drain, when there were any. */
  streamEvents?: number[];
}

/** Deadline for a drain: generous, as a slow build must still finish and say how slow. */
const drainDeadlineMs = (n: number) => 120_000 + n * 20;

function sampler(pids: Record<string, number>) {
  const samples: Drain['samples'] = [];
  const start = Date.now();
  let last = 0;
  return {
    samples,
    tick(received: number) {
      if (Date.now() - last < 1000) return;
      last = Date.now();
      const rss: Record<string, number> = {};
      for (const [name, pid] of Object.entries(pids)) rss[name] = memoryMB(pid)?.rss ?? 0;
      samples.push({ s: (last - start) / 1000, received, rss });
    },
  };
}

/**
 * Measures one drain: `begin` starts the delivering process(es) and returns their pids; CPU is
 * counted from then (start-up excluded) and divided by the deliveries that arrived since.
 */
export async function measureDrain(
  ctx: Context,
  n: number,
  begin: () => Promise<Record<string, number[]>>,
): Promise<Omit<Drain, 'messages' | 'fillPerSec' | 'apiPeakRssMB'>> {
  await ctx.receivers.reset();
  const deliverer = await begin();
  const [role, pids] = Object.entries(deliverer)[0] ?? ['deliverer', []];
  const main = pids[0] ?? 0;
  const atStart = (await ctx.receivers.count()).ok;
  const meter = await startCpuMeter(ctx.cpuGroups(deliverer));
  const sample = sampler({ [role]: main, redis: ctx.redis.pid });
  let seen = 0;
  await ctx.receivers.waitForCount(n, drainDeadlineMs(n), 'ok', (count) => {
    seen = count;
    sample.tick(count);
  });
  const spent = await meter.stop();
  const { ids, times } = await ctx.receivers.receipts('ok');
  const cpuPerDelivery: Record<string, number> = {};
  for (const [name, ms] of Object.entries(spent)) {
    cpuPerDelivery[name] = ms / Math.max(1, ids.length - atStart);
  }
  if (seen < n) ctx.say(`drain: only ${seen} of ${n} arrived before the deadline`);
  return {
    perSec: drainRate(times),
    received: ids.length,
    duplicates: ids.length - new Set(ids).size,
    cpuPerDelivery,
    peakRssMB: memoryMB(main)?.peak ?? 0,
    samples: sample.samples,
  };
}

/**
 * Hookrail drains a backlog of `n` messages (1 KiB, one endpoint each, spread over the bench
 * applications): the API alone fills it, then the worker starts (split) or the API gives way
 * to the all-in-one process, and the time from first to last receipt is measured.
 */
export async function hookrailDrain(
  ctx: Context,
  n: number,
  /** Status stream clients watching the whole tenant while it drains. @defaultValue 0 */
  subscribers = 0,
): Promise<Drain> {
  await ctx.fresh();
  const apps = benchApps(ctx.options.drain.apps);
  const filler = await startApi(ctx.settings());
  let running: Running = { origin: filler.origin, api: filler.api };
  let watching: Subscribers | undefined;
  const watch = async (origin: string, apiKey: string) => {
    if (subscribers > 0) watching = await watchEverything(origin, apiKey, subscribers);
  };
  try {
    const tenant = await Tenant.create(filler.origin);
    await tenant.seed(apps, (uid) => [`${ctx.receivers.url}/ok/${uid}`]);
    const fill = await runLoad({
      origin: filler.origin,
      headers: tenant.headers,
      paths: apps.map((uid) => `/api/v1/app/${uid}/msg`),
      body: 'message',
      mode: 'closed',
      concurrency: ctx.options.drain.fillConcurrency,
      count: n,
    });
    if (fill.accepted !== n) throw new Error(`backlog fill: ${fill.accepted} of ${n} accepted`);
    const apiPeakRssMB = memoryMB(filler.api.pid)?.peak ?? 0;
    const drain = await measureDrain(ctx, n, async (): Promise<Record<string, number[]>> => {
      if (ctx.options.split) {
        await watch(filler.origin, tenant.apiKey);
        const workers = await startWorkers(ctx.settings(), ctx.options.workers);
        running = { ...running, workers };
        // The API serves the status stream and this process holds its subscribers: the cost
        // of watching shows in these two.
        return {
          worker: workers.map((worker) => worker.pid),
          api: [filler.api.pid],
          bench: [process.pid],
        };
      }
      await filler.api.stop();
      const { standalone, origin } = await startStandalone(ctx.settings());
      running = { origin, standalone };
      // Connected as soon as it serves: the first deliveries may go before they watch.
      await watch(origin, tenant.apiKey);
      return { standalone: [standalone.pid] };
    });
    return {
      messages: n,
      fillPerSec: fill.acceptedPerSec,
      apiPeakRssMB,
      ...drain,
      ...(watching && { streamEvents: watching.received() }),
    };
  } finally {
    watching?.close();
    await stopHookrail(running);
  }
}

export async function naiveProcess(
  ctx: Context,
  target: string,
): Promise<{ child: Child; origin: string }> {
  const child = startNode('naive', 'bench/src/naive-main.ts', {
    DATABASE_URL: ctx.db.url(),
    REDIS_URL: ctx.redis.url,
    NAIVE_TARGET_URL: target,
    NAIVE_CONCURRENCY: String(ctx.options.concurrency),
  });
  const port = (await child.waitFor(/"port":(\d+)/))[1] ?? '';
  return { child, origin: `http://127.0.0.1:${port}` };
}
