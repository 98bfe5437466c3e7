import { request } from 'undici';
import {
  cpuFigures,
  ratioFigure,
  type Context,
  type Figure,
  type ScenarioResult,
} from '../context.ts';
import { hookrailDrain, measureDrain, naiveProcess, type Drain } from '../drains.ts';
import { runLoad } from '../load.ts';
import { drainRate } from '../receiver.ts';
import { fmt, median } from '../stats.ts';

/** The naive pipeline drains a backlog of `n` jobs added in bulk while its worker was off. */
export async function naiveDrain(ctx: Context, n: number): Promise<Drain> {
  await ctx.fresh();
  const naive = await naiveProcess(ctx, `${ctx.receivers.url}/ok/naive`);
  try {
    await request(`${naive.origin}/__fill?n=${n}`, { method: 'POST' }).then((res) =>
      res.body.dump(),
    );
    const drain = await measureDrain(ctx, n, async () => {
      await request(`${naive.origin}/__start`, { method: 'POST' }).then((res) => res.body.dump());
      return { naive: [naive.child.pid] };
    });
    return { messages: n, fillPerSec: Number.NaN, apiPeakRssMB: Number.NaN, ...drain };
  } finally {
    await naive.child.stop();
  }
}

/** The raw loop: undici.request POSTs of the same 1 KiB body to the same receiver. */
async function rawLoop(ctx: Context, n: number): Promise<number> {
  await ctx.receivers.reset();
  await runLoad({
    origin: ctx.receivers.url,
    paths: ['/ok/raw'],
    body: 'payload',
    mode: 'closed',
    concurrency: ctx.options.concurrency,
    count: n,
  });
  return drainRate((await ctx.receivers.receipts('ok')).times);
}

/**
 * Delivery: Hookrail drains a backlog of N messages, with all its bookkeeping (attempt row,
 * delivery state, endpoint health), against the naive pipeline and a raw POST loop, each N
 * deliveries to the same receiver process, repeated; figures are medians.
 */
export async function drain(ctx: Context): Promise<ScenarioResult> {
  const n = ctx.options.drain.messages;
  const runs: { hookrail: Drain[]; naive: Drain[]; raw: number[] } = {
    hookrail: [],
    naive: [],
    raw: [],
  };
  for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
    runs.hookrail.push(await hookrailDrain(ctx, n));
    runs.naive.push(await naiveDrain(ctx, n));
    runs.raw.push(await rawLoop(ctx, n));
    ctx.say(
      `drain ${n}: hookrail ${fmt(runs.hookrail.at(-1)?.perSec ?? 0)}/s, naive ${fmt(runs.naive.at(-1)?.perSec ?? 0)}/s, raw ${fmt(runs.raw.at(-1) ?? 0)}/s`,
    );
  }
  const hookrail = median(runs.hookrail.map((d) => d.perSec));
  const naive = median(runs.naive.map((d) => d.perSec));
  const raw = median(runs.raw);
  const name = `drain of ${n} messages, deliveries/s`;
  const figures: Figure[] = [
    ratioFigure('delivery', name, hookrail, '/s', { name: 'naive pipeline', value: naive }, 2.4),
    ratioFigure('delivery', name, hookrail, '/s', { name: 'raw undici loop', value: raw }, 0.3),
    {
      scenario: 'delivery',
      name: 'backlog fill through the API (closed loop)',
      value: median(runs.hookrail.map((d) => d.fillPerSec)),
      unit: 'msg/s',
    },
  ];
  const lost = runs.hookrail.reduce(
    (sum, d) => sum + Math.max(0, d.messages - (d.received - d.duplicates)),
    0,
  );
  figures.push({
    scenario: 'delivery',
    name: 'deliveries not received',
    value: lost,
    unit: '',
    target: '0',
    holds: lost === 0,
  });
  figures.push(
    ...cpuFigures(
      'delivery',
      'delivery',
      runs.hookrail.map((d) => d.cpuPerDelivery),
    ),
    ...cpuFigures(
      'delivery',
      'delivery (naive pipeline)',
      runs.naive.map((d) => d.cpuPerDelivery),
    ),
  );
  figures.push({
    scenario: 'delivery',
    name: 'peak RSS of the delivering process',
    value: median(runs.hookrail.map((d) => d.peakRssMB)),
    unit: 'MB',
    reference: { name: 'naive', value: median(runs.naive.map((d) => d.peakRssMB)) },
  });
  return { figures, details: runs };
}
