import type { Context, ScenarioResult } from '../context.ts';
import { startHookrail, stopHookrail, Tenant } from '../hookrail.ts';
import { fmt, median, nowMs } from '../stats.ts';

/**
 * Fan-out: one message to an application with many endpoints (1,000 in a full run, each its
 * own URL on the receivers): the time from the 2xx answer until the last endpoint received it.
 */
export async function fanout(ctx: Context): Promise<ScenarioResult> {
  const n = ctx.options.fanout.endpoints;
  await ctx.fresh();
  // The bound on endpoints per application (default 100) is raised to the fan-out size for this run.
  const settings = ctx.settings({ HOOKRAIL_MAX_ENDPOINTS_PER_APP: String(Math.max(100, n)) });
  const running = await startHookrail(settings, ctx.options.split, ctx.options.workers);
  const runs: { allMs: number; firstMs: number; received: number }[] = [];
  try {
    const tenant = await Tenant.create(running.origin);
    await tenant.seed(
      ['fan'],
      () => Array.from({ length: n }, (_, i) => `${ctx.receivers.url}/ok/fan-${i}`),
      16,
    );
    for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
      await ctx.receivers.reset();
      await tenant.send('fan', {
        eventType: 'bench.fanout',
        payload: { repeat, data: 'x'.repeat(1000) },
      });
      const accepted = nowMs();
      const received = await ctx.receivers.waitForCount(n, 60_000 + n * 100);
      const { times } = await ctx.receivers.receipts('ok');
      runs.push({
        allMs: Math.max(...times) - accepted,
        firstMs: Math.min(...times) - accepted,
        received,
      });
      ctx.say(`fan-out to ${n}: all arrived ${fmt(runs.at(-1)?.allMs ?? 0)} ms after the answer`);
    }
  } finally {
    await stopHookrail(running);
  }
  const all = median(runs.map((run) => run.allMs));
  return {
    figures: [
      {
        scenario: 'fan-out',
        name: `one message to ${n} endpoints: answer to last arrival (first after ${fmt(median(runs.map((r) => r.firstMs)))} ms)`,
        value: all,
        unit: 'ms',
        target: n === 1000 ? '<= 1000 ms' : '<= 1000 ms at 1,000 endpoints',
        holds: n === 1000 ? all <= 1000 : undefined,
      },
    ],
    details: runs,
  };
}
