import {
  CountingProxy,
  pgParser,
  redisParser,
  type PgCounts,
  type RedisCounts,
} from '../counting-proxy.ts';
import type { Context, Figure, ScenarioResult } from '../context.ts';
import { startApi, startWorker, Tenant } from '../hookrail.ts';
import { runLoad } from '../load.ts';
import type { Child } from '../process.ts';
import { fmt } from '../stats.ts';

interface Counters {
  pg: PgCounts;
  redis: RedisCounts;
  proxies: CountingProxy[];
}

/** A Postgres and a Redis proxy for one process, so that each process's traffic is its own. */
async function countersFor(ctx: Context): Promise<Counters> {
  const pg: PgCounts = { statements: 0, roundTrips: 0 };
  const redis: RedisCounts = { commands: 0, writes: 0 };
  const proxies = [
    new CountingProxy(Number(new URL(ctx.options.postgresUrl).port || 5432), pgParser(pg)),
    new CountingProxy(ctx.redis.port, redisParser(redis)),
  ];
  for (const proxy of proxies) await proxy.start();
  return { pg, redis, proxies };
}

function settingsThrough(ctx: Context, counters: Counters) {
  const [pg, redis] = counters.proxies;
  const database = new URL(ctx.db.url());
  database.port = String(pg?.port ?? 0);
  return {
    ...ctx.settings(),
    databaseUrl: database.toString(),
    redisUrl: `redis://127.0.0.1:${redis?.port ?? 0}`,
  };
}

function zero(counters: Counters): void {
  Object.assign(counters.pg, { statements: 0, roundTrips: 0 });
  Object.assign(counters.redis, { commands: 0, writes: 0 });
}

const snapshot = (c: Counters) => ({ ...c.pg, ...c.redis });
type Snapshot = ReturnType<typeof snapshot>;

/**
 * Round trips: the API and the worker each talk to Postgres and Redis through a counting
 * proxy; M messages are sent one at a time (after a warm-up) and delivered, and what each
 * process sent is divided by M. Background work (reconciler passes, BullMQ's timers) over an
 * idle stretch of the same length is measured after and subtracted.
 */
export async function roundtrips(ctx: Context): Promise<ScenarioResult> {
  const m = ctx.options.roundtrips.messages;
  await ctx.fresh();
  const api = await countersFor(ctx);
  const worker = await countersFor(ctx);
  const children: Child[] = [];
  try {
    const started = await startApi(settingsThrough(ctx, api));
    children.push(started.api);
    children.push(await startWorker(settingsThrough(ctx, worker)));
    const tenant = await Tenant.create(started.origin);
    await tenant.seed(['rt'], () => [`${ctx.receivers.url}/ok/rt`]);
    const load = { origin: started.origin, headers: tenant.headers, paths: ['/api/v1/app/rt/msg'] };
    const send = (count: number) =>
      runLoad({ ...load, body: 'message', mode: 'closed', concurrency: 1, count });
    await ctx.receivers.reset();
    await send(20); // warm-up: connections open, caches filled
    await ctx.receivers.waitForCount(20, 60_000);
    zero(api);
    zero(worker);
    const began = Date.now();
    await send(m);
    await ctx.receivers.waitForCount(20 + m, 120_000);
    const busy = { api: snapshot(api), worker: snapshot(worker) };
    const elapsed = Date.now() - began;
    zero(api);
    zero(worker);
    await new Promise((resolve) => setTimeout(resolve, elapsed)); // an idle stretch as long
    const idle = { api: snapshot(api), worker: snapshot(worker) };
    const per = (role: 'api' | 'worker', key: keyof Snapshot) =>
      (busy[role][key] - idle[role][key]) / m;
    const figures: Figure[] = [];
    for (const [role, unit] of [
      ['api', 'message'],
      ['worker', 'delivery'],
    ] as const) {
      figures.push(
        {
          scenario: 'round trips',
          name: `Postgres statements per ${unit} (${role})`,
          value: per(role, 'statements'),
          unit: '',
        },
        {
          scenario: 'round trips',
          name: `Postgres round trips per ${unit} (${role})`,
          value: per(role, 'roundTrips'),
          unit: '',
        },
        {
          scenario: 'round trips',
          name: `Redis commands per ${unit} (${role})`,
          value: per(role, 'commands'),
          unit: '',
        },
        {
          scenario: 'round trips',
          name: `Redis writes (≈ round trips) per ${unit} (${role})`,
          value: per(role, 'writes'),
          unit: '',
        },
      );
    }
    ctx.say(
      `round trips per message: ${figures.map((f) => `${f.name} ${fmt(f.value)}`).join('; ')}`,
    );
    return { figures, details: { messages: m, busy, idle, elapsedMs: elapsed } };
  } finally {
    for (const child of children) await child.stop();
    for (const proxy of [...api.proxies, ...worker.proxies]) await proxy.stop();
  }
}
