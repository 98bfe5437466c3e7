import {
  cpuFigures,
  perUnit,
  ratioFigure,
  type Context,
  type Figure,
  type ScenarioResult,
} from '../context.ts';
import { startApi, Tenant } from '../hookrail.ts';
import { runLoad, type LoadResult } from '../load.ts';
import { startNode } from '../process.ts';
import { startCpuMeter } from '../proc.ts';
import { fmt, median } from '../stats.ts';

interface Level {
  concurrency: number;
  hookrail: LoadResult[];
  express: LoadResult[];
  /** CPU ms per accepted message, by process, one entry per repeat. */
  cpu: Record<string, number>[];
}

export const benchApps = (n: number): string[] => Array.from({ length: n }, (_, i) => `bench-${i}`);

/**
 * Ingest: single-message POST .../msg in a closed loop at increasing concurrency, against the
 * API process alone (no worker runs, so the figure is ingest's own work and the deliveries
 * it creates wait in the queue), and the same load against a bare express 5 server that
 * parses the JSON and answers 202. After each repeat, every accepted message must be in
 * Postgres.
 */
export async function ingest(ctx: Context): Promise<ScenarioResult> {
  const { levels, warmupMs, durationMs } = ctx.options.ingest;
  const apps = benchApps(ctx.options.drain.apps);
  const results: Level[] = levels.map((concurrency) => ({
    concurrency,
    hookrail: [],
    express: [],
    cpu: [],
  }));
  const committed: { accepted: number; stored: number }[] = [];

  for (let repeat = 0; repeat < ctx.options.repeats; repeat++) {
    await ctx.fresh();
    const { api, origin } = await startApi(ctx.settings());
    const express = startNode('express', 'bench/src/express-main.ts', {});
    const expressOrigin = `http://127.0.0.1:${(await express.waitFor(/"port":(\d+)/))[1] ?? ''}`;
    try {
      const tenant = await Tenant.create(origin);
      await tenant.seed(apps, (uid) => [`${ctx.receivers.url}/ok/${uid}`]);
      let accepted = 0;
      for (const level of results) {
        const spec = {
          paths: apps.map((uid) => `/api/v1/app/${uid}/msg`),
          body: 'message' as const,
          mode: 'closed' as const,
          concurrency: level.concurrency,
          warmupMs,
          durationMs,
        };
        const meter = await startCpuMeter(ctx.cpuGroups({ api: [api.pid] }));
        const hookrail = await runLoad({ ...spec, origin, headers: tenant.headers });
        level.cpu.push(perUnit(await meter.stop(), hookrail.acceptedAll));
        accepted += hookrail.acceptedAll;
        level.hookrail.push(hookrail);
        level.express.push(await runLoad({ ...spec, origin: expressOrigin }));
        ctx.say(
          `ingest c=${level.concurrency}: hookrail ${fmt(hookrail.acceptedPerSec)}/s, express ${fmt(level.express.at(-1)?.acceptedPerSec ?? 0)}/s`,
        );
      }
      const [row] = await ctx.db.query<{ n: string }>('select count(*) as n from messages');
      committed.push({ accepted, stored: Number(row?.n ?? 0) });
    } finally {
      await api.stop();
      await express.stop();
    }
  }

  const figures: Figure[] = [];
  let best = { hookrail: 0, express: 0 };
  for (const level of results) {
    const hookrail = median(level.hookrail.map((r) => r.acceptedPerSec));
    const express = median(level.express.map((r) => r.acceptedPerSec));
    if (hookrail > best.hookrail) best = { hookrail, express };
    figures.push(
      ratioFigure(
        'ingest',
        `accepted msg/s at concurrency ${level.concurrency}`,
        hookrail,
        'msg/s',
        { name: 'bare express 5', value: express },
        0.75,
      ),
    );
    figures.push({
      scenario: 'ingest',
      name: `latency p50 / p99 at concurrency ${level.concurrency}`,
      value: median(level.hookrail.map((r) => r.latency.p50)),
      unit: `ms p50; p99 ${fmt(median(level.hookrail.map((r) => r.latency.p99)))} ms`,
      reference: { name: 'express p99', value: median(level.express.map((r) => r.latency.p99)) },
    });
  }
  const top = results.at(-1);
  if (top !== undefined) {
    figures.push(...cpuFigures('ingest', `message (concurrency ${top.concurrency})`, top.cpu));
  }
  const lost = committed.reduce((sum, c) => sum + Math.max(0, c.accepted - c.stored), 0);
  figures.push({
    scenario: 'ingest',
    name: 'accepted messages missing from Postgres',
    value: lost,
    unit: 'messages',
    target: '0',
    holds: lost === 0,
  });
  return { figures, details: { levels: results, committed, best } };
}
