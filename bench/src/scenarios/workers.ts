import type { Context, Figure, ScenarioResult } from '../context.ts';
import { hookrailDrain, type Drain } from '../drains.ts';
import { fmt, median } from '../stats.ts';

/**
 * Scale-out: the drain of the `drain` scenario, with an API and one worker process against an
 * API and two, in the same run, repeated; the figure is the ratio of the medians. On a machine
 * with fewer cores than processes it shows whether one worker's event loop is the limit, not
 * what a second machine adds.
 */
export async function workers(ctx: Context): Promise<ScenarioResult> {
  const n = ctx.options.drain.messages;
  const runs: Record<'one' | 'two', Drain[]> = { one: [], two: [] };
  const split = (count: number): Context => ({
    ...ctx,
    options: { ...ctx.options, split: true, workers: count },
  });
  for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
    runs.one.push(await hookrailDrain(split(1), n));
    runs.two.push(await hookrailDrain(split(2), n));
    ctx.say(
      `workers ${n}: 1 worker ${fmt(runs.one.at(-1)?.perSec ?? 0)}/s, 2 workers ${fmt(runs.two.at(-1)?.perSec ?? 0)}/s`,
    );
  }
  const one = median(runs.one.map((d) => d.perSec));
  const two = median(runs.two.map((d) => d.perSec));
  const lost = [...runs.one, ...runs.two].reduce(
    (sum, d) => sum + Math.max(0, d.messages - (d.received - d.duplicates)),
    0,
  );
  const figures: Figure[] = [
    {
      scenario: 'workers',
      name: `drain of ${n} messages with 2 worker processes, deliveries/s`,
      value: two,
      unit: '/s',
      reference: { name: '1 worker process', value: one },
    },
    {
      scenario: 'workers',
      name: 'deliveries not received',
      value: lost,
      unit: '',
      target: '0',
      holds: lost === 0,
    },
  ];
  return { figures, details: runs };
}
