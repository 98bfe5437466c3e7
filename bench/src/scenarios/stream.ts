import type { Context, Figure, ScenarioResult } from '../context.ts';
import { hookrailDrain, type Drain } from '../drains.ts';
import { fmt, median } from '../stats.ts';

/**
 * The status stream's cost to delivery: the same drain as the delivery scenario, once with no
 * one watching and once with status stream subscribers watching the whole tenant (every
 * event of every delivery reaches each of them), alternated and repeated; figures are medians.
 * The target: watching costs the drain less than 10% of its throughput.
 */
export async function stream(ctx: Context): Promise<ScenarioResult> {
  const { messages: n, subscribers } = ctx.options.stream;
  const runs: { none: Drain[]; watched: Drain[] } = { none: [], watched: [] };
  for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
    runs.none.push(await hookrailDrain(ctx, n));
    runs.watched.push(await hookrailDrain(ctx, n, subscribers));
    ctx.say(
      `stream ${n}: ${fmt(runs.none.at(-1)?.perSec ?? 0)}/s unwatched, ${fmt(runs.watched.at(-1)?.perSec ?? 0)}/s with ${subscribers} subscribers`,
    );
  }
  const none = median(runs.none.map((d) => d.perSec));
  const watched = median(runs.watched.map((d) => d.perSec));
  const ratio = watched / none;
  const events = runs.watched.flatMap((d) => d.streamEvents ?? []);
  const figures: Figure[] = [
    {
      scenario: 'stream',
      name: `drain of ${n} messages with ${subscribers} status-stream subscribers watching everything, deliveries/s`,
      value: watched,
      unit: '/s',
      reference: { name: 'no subscribers', value: none },
      ratio,
      target: '>= 0.9x',
      holds: ratio >= 0.9,
    },
    {
      scenario: 'stream',
      name: 'status stream events received per subscriber during the drain (4 per delivery)',
      value: median(events),
      unit: '',
      reference: { name: 'deliveries x 4', value: n * 4 },
    },
  ];
  // The delivering process's CPU per delivery: the cost of fanning events out, less subject
  // than a rate to what else the machine is doing.
  const cpu = (drains: Drain[]) =>
    median(drains.map((d) => d.cpuPerDelivery.standalone ?? d.cpuPerDelivery.worker ?? NaN));
  figures.push({
    scenario: 'stream',
    name: `CPU per delivery of the delivering process, with ${subscribers} subscribers`,
    value: cpu(runs.watched),
    unit: 'ms',
    reference: { name: 'no subscribers', value: cpu(runs.none) },
    ratio: cpu(runs.watched) / cpu(runs.none),
  });
  // Split, the API process fans the events out and this process's subscribers read them: what
  // watching costs there, per delivery, less subject still to what else the machine does.
  for (const role of ['api', 'bench']) {
    const of = (drains: Drain[]) => median(drains.map((d) => d.cpuPerDelivery[role] ?? NaN));
    if (Number.isNaN(of(runs.watched))) continue;
    figures.push({
      scenario: 'stream',
      name: `CPU per delivery of the ${role === 'api' ? 'API process (status stream)' : 'bench process (subscribers)'}, with ${subscribers} subscribers`,
      value: of(runs.watched),
      unit: 'ms',
      reference: { name: 'no subscribers', value: of(runs.none) },
    });
  }
  return { figures, details: runs };
}
