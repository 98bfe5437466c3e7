import { request } from 'undici';
import type { Context, Figure, ScenarioResult } from '../context.ts';
import { naiveProcess } from '../drains.ts';
import { startHookrail, stopHookrail, Tenant } from '../hookrail.ts';
import { runLoad, type LoadResult, type LoadSpec } from '../load.ts';
import { fmt, percentiles, type Percentiles } from '../stats.ts';
import { benchApps } from './ingest.ts';

export interface OpenLoop {
  rate: number;
  /** Accept (2xx answer) to receipt, ms; a message that never arrived counts as Infinity. */
  latency: Percentiles;
  /** Answer latency of the POST itself, ms, from its scheduled time. */
  accept: Percentiles;
  accepted: number;
  missing: number;
}

/**
 * Accept-to-receipt latencies of the counted messages of `load`: receipts are matched on
 * webhook-id (the message id the API answered). Waits until every accepted message arrived,
 * or `settleMs` after the load ended.
 */
export async function acceptToReceipt(
  ctx: Context,
  load: LoadResult,
  settleMs: number,
  counted: (index: number) => boolean = () => true,
): Promise<{ latency: number[]; missing: number }> {
  const accepts = load.accepts ?? { ids: [], times: [], paths: [] };
  await ctx.receivers.waitForCount(load.acceptedAll, settleMs);
  const receipts = await ctx.receivers.receipts('ok');
  const arrival = new Map<string, number>();
  receipts.ids.forEach((id, i) => {
    if (!arrival.has(id)) arrival.set(id, receipts.times[i] ?? Infinity);
  });
  // Requests never answered (open loop) were messages too: they count as never arrived.
  const latency: number[] = Array.from({ length: load.errors }, () => Infinity);
  accepts.ids.forEach((id, i) => {
    if (counted(i)) latency.push((arrival.get(id) ?? Infinity) - (accepts.times[i] ?? 0));
  });
  return {
    latency,
    missing: latency.filter((ms) => ms === Infinity).length,
  };
}

async function openLoop(
  ctx: Context,
  spec: Omit<LoadSpec, 'mode' | 'rate' | 'body'>,
  rate: number,
): Promise<OpenLoop> {
  const { warmupMs, durationMs, settleMs } = ctx.options.latency;
  const load = await runLoad({
    ...spec,
    mode: 'open',
    body: 'message',
    rate,
    warmupMs,
    durationMs,
    recordIds: true,
  });
  const { latency, missing } = await acceptToReceipt(ctx, load, settleMs);
  return {
    rate,
    latency: percentiles(latency),
    accept: load.latency,
    accepted: load.accepted,
    missing,
  };
}

async function hookrailAt(ctx: Context, rate: number): Promise<OpenLoop> {
  await ctx.fresh();
  const running = await startHookrail(ctx.settings(), ctx.options.split, ctx.options.workers);
  try {
    const apps = benchApps(ctx.options.drain.apps);
    const tenant = await Tenant.create(running.origin);
    await tenant.seed(apps, (uid) => [`${ctx.receivers.url}/ok/${uid}`]);
    await ctx.receivers.reset();
    const paths = apps.map((uid) => `/api/v1/app/${uid}/msg`);
    return await openLoop(ctx, { origin: running.origin, headers: tenant.headers, paths }, rate);
  } finally {
    await stopHookrail(running);
  }
}

async function naiveAt(ctx: Context, rate: number): Promise<OpenLoop> {
  await ctx.fresh();
  const naive = await naiveProcess(ctx, `${ctx.receivers.url}/ok/naive`);
  try {
    await request(`${naive.origin}/__start`, { method: 'POST' }).then((res) => res.body.dump());
    return await openLoop(ctx, { origin: naive.origin, paths: ['/msg'] }, rate);
  } finally {
    await naive.child.stop();
  }
}

function describe(run: OpenLoop): string {
  const at = `p99 accept to receipt at ${run.rate} msg/s`;
  if (Number.isNaN(run.missing)) return `${at} (not run: saturated at a lower rate)`;
  return `${at} (p50 ${fmt(run.latency.p50)}, p95 ${fmt(run.latency.p95)}; ${run.missing} not arrived)`;
}

/**
 * Latency: an open loop at fixed rates (the schedule does not wait for answers), the first
 * seconds as warm-up, then p50/p95/p99 from each 2xx answer to the message's arrival at the
 * receiver, for Hookrail and for the naive pipeline (ingest route + worker) at the same rates.
 */
export async function latency(ctx: Context): Promise<ScenarioResult> {
  const runs: { hookrail: OpenLoop; naive: OpenLoop }[] = [];
  // Past a rate where a system's p99 exceeded `saturated`, higher rates only pile up a
  // backlog: they are not run again for it, and count as never arriving.
  const saturated = 5000;
  let last: { hookrail: OpenLoop; naive: OpenLoop } | undefined;
  const skip = (rate: number): OpenLoop => {
    const latency = percentiles([Infinity]);
    return { rate, latency, accept: latency, accepted: 0, missing: Number.NaN };
  };
  for (const rate of ctx.options.latency.rates) {
    const hookrail =
      (last?.hookrail.latency.p99 ?? 0) > saturated ? skip(rate) : await hookrailAt(ctx, rate);
    const naive =
      (last?.naive.latency.p99 ?? 0) > saturated ? skip(rate) : await naiveAt(ctx, rate);
    last = { hookrail, naive };
    runs.push(last);
    ctx.say(
      `latency at ${rate}/s: p99 hookrail ${fmt(hookrail.latency.p99)} ms, naive ${fmt(naive.latency.p99)} ms`,
    );
  }
  // The target: wherever the naive pipeline keeps p99 under 100 ms, Hookrail's p99 is no
  // higher; and Hookrail stays under 100 ms up to twice the highest such rate.
  const naiveOk = runs.filter((run) => run.naive.latency.p99 < 100).map((run) => run.naive.rate);
  const highest = Math.max(0, ...naiveOk);
  const figures: Figure[] = runs.map(({ hookrail, naive }) => {
    const targets: string[] = [];
    let holds: boolean | undefined;
    if (naiveOk.includes(hookrail.rate)) {
      targets.push('<= naive');
      holds = hookrail.latency.p99 <= naive.latency.p99;
    }
    if (hookrail.rate <= 2 * highest) {
      targets.push('< 100 ms');
      holds = (holds ?? true) && hookrail.latency.p99 < 100;
    }
    return {
      scenario: 'latency',
      name: describe(hookrail),
      value: hookrail.latency.p99,
      unit: 'ms',
      reference: { name: `naive; p50 ${fmt(naive.latency.p50)}`, value: naive.latency.p99 },
      ratio: hookrail.latency.p99 / naive.latency.p99,
      ...(targets.length > 0 ? { target: targets.join(' and '), holds } : {}),
    };
  });
  figures.push({
    scenario: 'latency',
    name: 'highest rate tested where the naive pipeline keeps p99 under 100 ms',
    value: highest,
    unit: 'msg/s',
  });
  return { figures, details: runs };
}
