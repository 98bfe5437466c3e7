import type { Context, Figure, ScenarioResult } from '../context.ts';
import { startHookrail, stopHookrail, Tenant } from '../hookrail.ts';
import { runLoad } from '../load.ts';
import { drainRate } from '../receiver.ts';
import { fmt, percentiles, type Percentiles } from '../stats.ts';
import { acceptToReceipt } from './latency.ts';

interface MixedRun {
  faulty: boolean;
  accepted: number;
  /** Healthy deliveries per second, first to last healthy receipt. */
  healthyPerSec: number;
  healthy: Percentiles;
  missing: number;
  failing: number;
  hanging: number;
}

/** The kind of receiver endpoint `i` of `n` is: 10% failing (500), 5% hanging, the rest healthy. */
function kindOf(i: number, n: number, faulty: boolean): 'ok' | 'fail' | 'hang' {
  if (!faulty) return 'ok';
  if (i < Math.round(n * 0.1)) return 'fail';
  if (i < Math.round(n * 0.15)) return 'hang';
  return 'ok';
}

async function run(ctx: Context, faulty: boolean): Promise<MixedRun> {
  const { endpoints: n, durationMs, concurrency, settleMs } = ctx.options.mixed;
  await ctx.fresh();
  const running = await startHookrail(ctx.settings(), ctx.options.split, ctx.options.workers);
  try {
    const apps = Array.from({ length: n }, (_, i) => `mixed-${i}`);
    const tenant = await Tenant.create(running.origin);
    await tenant.seed(apps, (uid) => {
      const i = Number(uid.slice('mixed-'.length));
      return [`${ctx.receivers.url}/${kindOf(i, n, faulty)}/${uid}`];
    });
    await ctx.receivers.reset();
    const load = await runLoad({
      origin: running.origin,
      headers: tenant.headers,
      paths: apps.map((uid) => `/api/v1/app/${uid}/msg`),
      body: 'message',
      mode: 'closed',
      concurrency,
      durationMs,
      recordIds: true,
    });
    const paths = load.accepts?.paths ?? [];
    const healthyIndex = (i: number) => kindOf(paths[i] ?? 0, n, faulty) === 'ok';
    const healthyCount = paths.filter((_, i) => healthyIndex(i)).length;
    const { latency, missing } = await acceptToReceipt(
      ctx,
      { ...load, acceptedAll: healthyCount },
      settleMs,
      healthyIndex,
    );
    const counts = await ctx.receivers.count();
    return {
      faulty,
      accepted: load.accepted,
      healthyPerSec: drainRate((await ctx.receivers.receipts('ok')).times),
      healthy: percentiles(latency),
      missing,
      failing: counts.fail,
      hanging: counts.hang,
    };
  } finally {
    await stopHookrail(running);
  }
}

/**
 * Mixed: a closed loop of messages over many applications with one endpoint each, 10% of the
 * endpoints answering 500 and 5% never answering, with Hookrail's default settings; healthy
 * deliveries' throughput and accept-to-receipt p99, beside the same run with every endpoint
 * healthy.
 */
export async function mixed(ctx: Context): Promise<ScenarioResult> {
  const faulty = await run(ctx, true);
  const healthy = await run(ctx, false);
  ctx.say(
    `mixed: healthy ${fmt(faulty.healthyPerSec)}/s p99 ${fmt(faulty.healthy.p99)} ms; all healthy ${fmt(healthy.healthyPerSec)}/s p99 ${fmt(healthy.healthy.p99)} ms`,
  );
  const figures: Figure[] = [
    {
      scenario: 'mixed',
      name: 'healthy deliveries/s with 10% failing and 5% hanging endpoints',
      value: faulty.healthyPerSec,
      unit: '/s',
      reference: { name: 'every endpoint healthy', value: healthy.healthyPerSec },
      ratio: faulty.healthyPerSec / healthy.healthyPerSec,
    },
    {
      scenario: 'mixed',
      name: `healthy p99 accept to receipt (p50 ${fmt(faulty.healthy.p50)}; ${faulty.missing} not arrived)`,
      value: faulty.healthy.p99,
      unit: 'ms',
      reference: { name: 'every endpoint healthy', value: healthy.healthy.p99 },
      ratio: faulty.healthy.p99 / healthy.healthy.p99,
    },
  ];
  return { figures, details: { faulty, healthy } };
}
