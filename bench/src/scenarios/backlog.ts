import type { Context, Figure, ScenarioResult } from '../context.ts';
import { hookrailDrain, type Drain } from '../drains.ts';
import { fmt, median } from '../stats.ts';

/** Fill and drain rates seen earlier in this run, or from a drain of the usual size now. */
async function knownRates(ctx: Context): Promise<{ fill: number; drain: number }> {
  const earlier = ctx.earlier.get('drain')?.details as { hookrail?: Drain[] } | undefined;
  const drains = earlier?.hookrail ?? [await hookrailDrain(ctx, ctx.options.drain.messages)];
  return {
    fill: median(drains.map((d) => d.fillPerSec)),
    drain: median(drains.map((d) => d.perSec)),
  };
}

/** Resident memory (MB) of `process` over the first and the second half of a drain. */
function halves(drain: Drain, process: string): { first: number; second: number } {
  const rss = drain.samples.map((sample) => sample.rss[process] ?? 0);
  const middle = Math.floor(rss.length / 2);
  return { first: Math.max(0, ...rss.slice(0, middle)), second: Math.max(0, ...rss.slice(middle)) };
}

/**
 * Backlog: a large backlog (100,000 in a full run) against a small one (20,000): the drain
 * rate of each, and the delivering process's memory sampled every second. Both must fit the
 * time budget at the rates this build showed earlier in the run; when they do not, both sizes
 * shrink in proportion (the large stays 5x the small) and the report says so.
 */
export async function backlog(ctx: Context): Promise<ScenarioResult> {
  const { small, large, budgetMs } = ctx.options.backlog;
  const rates = await knownRates(ctx);
  const secondsPerMessage = 1 / rates.fill + 1 / rates.drain;
  const scale = Math.min(1, budgetMs / 1000 / ((small + large) * secondsPerMessage));
  const sizes = [scale < 1 ? Math.max(100, Math.floor((small * scale) / 100) * 100) : small];
  sizes.push((sizes[0] ?? small) * (large / small));
  if (scale < 1) {
    ctx.say(
      `backlog: at ${fmt(rates.fill)}/s in and ${fmt(rates.drain)}/s out, ${small} and ${large} would not fit; using ${sizes.join(' and ')}`,
    );
  }
  const drains: Drain[] = [];
  for (const n of sizes) {
    drains.push(await hookrailDrain(ctx, n));
    ctx.say(`backlog ${n}: ${fmt(drains.at(-1)?.perSec ?? 0)}/s`);
  }
  const [smaller, larger] = drains;
  if (smaller === undefined || larger === undefined) return { figures: [], details: drains };
  const role = ctx.options.split ? 'worker' : 'standalone';
  const memory = halves(larger, role);
  const note =
    scale < 1 ? ` (shrunk from ${small} and ${large} to fit ${budgetMs / 60_000} min)` : '';
  const figures: Figure[] = [
    {
      scenario: 'backlog',
      name: `drain of ${larger.messages} vs ${smaller.messages}${note}`,
      value: larger.perSec,
      unit: '/s',
      reference: { name: `${smaller.messages}`, value: smaller.perSec },
      ratio: larger.perSec / smaller.perSec,
      target: '>= 1x',
      holds: larger.perSec >= smaller.perSec,
    },
    {
      scenario: 'backlog',
      name: `${role} RSS, peak in the second half of the ${larger.messages} drain vs the first`,
      value: memory.second,
      unit: 'MB',
      reference: { name: 'first half', value: memory.first },
      ratio: memory.second / memory.first,
      target: 'flat (<= 1.1x)',
      holds: memory.second <= memory.first * 1.1,
    },
    {
      scenario: 'backlog',
      name: `${role} peak RSS (VmHWM) draining ${larger.messages}`,
      value: larger.peakRssMB,
      unit: 'MB',
      target: '< 300 MB',
      holds: larger.peakRssMB < 300,
    },
    {
      scenario: 'backlog',
      name: `API peak RSS (VmHWM) filling ${larger.messages}`,
      value: larger.apiPeakRssMB,
      unit: 'MB',
      target: '< 200 MB',
      holds: larger.apiPeakRssMB < 200,
    },
  ];
  return { figures, details: { rates, sizes, drains } };
}
