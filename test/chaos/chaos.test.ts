import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { testAdminToken } from '../support/api.ts';
import { testEncryptionKey, useTestEnv } from '../support/env.ts';
import { HttpClient } from '../support/http.ts';
import { PrivateRedis } from '../support/private-redis.ts';
import { runProcess, type RunningProcess } from '../support/process.ts';
import { Receiver } from '../support/receiver.ts';
import { databaseUrl } from '../support/services.ts';
import { waitFor } from '../support/wait.ts';

/**
 * Fault injection: Hookrail as separate API and worker processes, on a Redis and a database
 * of its own, while messages flow: a worker is SIGKILLed, Redis is flushed, Redis restarts
 * without persistence, Postgres refuses connections, a receiver flaps. Then, from what the
 * receivers recorded: every accepted message reached every matching endpoint at least once,
 * nothing arrived that was not accepted, and Postgres agrees.
 */
const messages = Number(process.env.CHAOS_MESSAGES ?? 2000);
const env = useTestEnv();
const redis = new PrivateRedis();
const stable = new Receiver();
const paidOnly = new Receiver();
const flapping = new Receiver();
const processes: RunningProcess[] = [];
let flapTimer: NodeJS.Timeout | undefined;
let flapUp = true;
const started = Date.now();
const say = (line: string) =>
  console.info(`chaos ${((Date.now() - started) / 1000).toFixed(1)}s: ${line}`);

function hookrailEnv(): Record<string, string> {
  return {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: redis.url,
    HOOKRAIL_REDIS_PREFIX: env.redisPrefix,
    HOOKRAIL_ADMIN_TOKEN: testAdminToken,
    HOOKRAIL_ENCRYPTION_KEY: testEncryptionKey,
    HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.0/8',
    PORT: '0',
    // Many quick retries, so that a flapping receiver never exhausts a delivery.
    HOOKRAIL_RETRY_SCHEDULE: '0.2,0.5,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1',
    HOOKRAIL_REQUEST_TIMEOUT: '2',
    HOOKRAIL_LEASE_MARGIN: '2',
    HOOKRAIL_RECONCILE_INTERVAL: '0.5',
    HOOKRAIL_BREAKER_PROBE_INTERVAL: '0.5',
    HOOKRAIL_WORKER_CONCURRENCY: '50',
  };
}

async function startWorker(): Promise<RunningProcess> {
  const worker = runProcess('apps/worker/src/main.ts', hookrailEnv());
  processes.push(worker);
  await worker.waitFor(/worker ready/, 60_000);
  return worker;
}

async function cutPostgres(forMs: number): Promise<void> {
  const name = new URL(env.databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: databaseUrl(inject('postgresUrl'), 'postgres') });
  await admin.connect();
  try {
    await admin.query(`alter database "${name}" allow_connections false`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [
      name,
    ]);
    await new Promise((resolve) => setTimeout(resolve, forMs)); // the length of the outage itself
  } finally {
    await admin.query(`alter database "${name}" allow_connections true`);
    await admin.end();
  }
}

let client: HttpClient;
let workers: RunningProcess[] = [];

beforeAll(async () => {
  await redis.start();
  for (const receiver of [stable, paidOnly, flapping]) await receiver.start();
  flapping.answer(() => (flapUp ? { status: 200, body: 'ok' } : { status: 503, body: 'flapping' }));
  const api = runProcess('apps/api/src/main.ts', hookrailEnv());
  processes.push(api);
  const port = Number((await api.waitFor(/"port":(\d+)/, 60_000))[1]);
  workers = [await startWorker(), await startWorker()];
  const admin = new HttpClient(`http://127.0.0.1:${port}`, testAdminToken);
  const { apiKey } = (await admin.post('/api/v1/admin/tenants', { name: 'Chaos' })).json<{
    apiKey: string;
  }>();
  client = new HttpClient(`http://127.0.0.1:${port}`, apiKey);
  await client.post('/api/v1/event-type', { name: 'order.paid', description: '' });
  await client.post('/api/v1/event-type', { name: 'order.created', description: '' });
  await client.post('/api/v1/app', { name: 'Chaos', uid: 'chaos' });
  await client.post('/api/v1/app/chaos/endpoint', { url: `${stable.url}/all` });
  await client.post('/api/v1/app/chaos/endpoint', {
    url: `${paidOnly.url}/paid`,
    filterTypes: ['order.paid'],
  });
  await client.post('/api/v1/app/chaos/endpoint', { url: `${flapping.url}/flap` });
}, 120_000);

afterAll(async () => {
  clearInterval(flapTimer);
  const logDir = process.env.CHAOS_LOG_DIR;
  if (logDir !== undefined) {
    processes.forEach((p, i) => writeFileSync(join(logDir, `process-${i}.log`), p.output()));
  }
  for (const p of processes) p.child.kill('SIGKILL');
  await Promise.all(processes.map((p) => p.exited));
  for (const receiver of [stable, paidOnly, flapping]) await receiver.close();
  await redis.stop();
});

/**
 * Sends one message until Hookrail gives a definite answer (the Idempotency-Key makes asking
 * again safe). Fails with the last answer when there is none within three minutes.
 */
async function sendUntilAccepted(i: number): Promise<{ id: string; type: string }> {
  const type = i % 2 === 0 ? 'order.paid' : 'order.created';
  const key = randomUUID();
  const deadline = Date.now() + 3 * 60_000;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await client.post(
        '/api/v1/app/chaos/msg',
        { eventType: type, payload: { i } },
        { 'idempotency-key': key },
      );
      if (res.status === 202) return { id: res.json<{ id: string }>().id, type };
      last = `${res.status} ${res.text}`;
      // A 409 idempotency_key_in_use is a request with this key still running, or one cut off
      // by the outage before it could give the key back: ask again.
      const inUse = res.status === 409 && res.text.includes('idempotency_key_in_use');
      if (res.status < 500 && !inUse) throw new Error(`message ${i} refused: ${last}`);
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('message')) throw error;
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100)); // back off before asking again
  }
  throw new Error(`message ${i} not accepted within three minutes; last answer: ${last}`);
}

describe('chaos', () => {
  it(`loses nothing of ${messages} messages through worker kills, Redis loss and restarts, a Postgres outage and a flapping receiver`, async () => {
    flapTimer = setInterval(() => (flapUp = !flapUp), 700);
    // The processes the faults stop, and how each must have ended.
    const stopped = new Map<RunningProcess, number | string>();
    const replaceWorker = async (signal: NodeJS.Signals, ending: number | string) => {
      // Taken out of the list at once, so that an overlapping fault picks another worker.
      const victim = workers.shift();
      if (victim === undefined) return;
      stopped.set(victim, ending);
      victim.child.kill(signal);
      await victim.exited;
      workers.push(await startWorker());
    };
    const faults: [at: number, name: string, run: () => Promise<void>][] = [
      [0.2, 'SIGKILL a worker, start a new one', () => replaceWorker('SIGKILL', 'SIGKILL')],
      [0.35, 'FLUSHALL on Redis', () => redis.flush()],
      [
        0.5,
        'restart Redis without persistence',
        async () => {
          await redis.stop();
          await redis.start();
        },
      ],
      [0.65, 'refuse Postgres connections for 3 s', () => cutPostgres(3000)],
      [0.8, 'SIGTERM a worker, start a new one', () => replaceWorker('SIGTERM', 0)],
    ];

    const accepted = new Map<string, string>();
    let sent = 0;
    let next = 0;
    const faultRuns: Promise<void>[] = [];
    const sender = async () => {
      while (next < messages) {
        const i = next++;
        sent++;
        const result = await sendUntilAccepted(i);
        accepted.set(result.id, result.type);
        while (faults.length > 0 && (faults[0]?.[0] ?? 1) <= accepted.size / messages) {
          const [, name, run] = faults.shift() ?? [];
          if (run === undefined || name === undefined) break;
          say(`fault: ${name} (after ${accepted.size} accepted)`);
          faultRuns.push(run().then(() => say(`fault over: ${name}`)));
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    await Promise.all(faultRuns);
    const sendingDone = Date.now();
    say(`sent ${sent}, accepted ${accepted.size}`);
    clearInterval(flapTimer);
    flapUp = true;

    const sql = new pg.Client({ connectionString: env.databaseUrl });
    await sql.connect();
    await waitFor(
      'every delivery to be final',
      async () => {
        const { rows } = await sql.query<{ n: number }>(
          "select count(*)::int as n from deliveries where status in ('pending', 'sending')",
        );
        return rows[0]?.n === 0;
      },
      15 * 60_000,
    );
    const quiescence = (Date.now() - sendingDone) / 1000;

    // What the receivers saw, per message: requests, and those answered 2xx.
    const receivers = { all: stable, paid: paidOnly, flap: flapping };
    const seen = new Map<Receiver, Map<string, { requests: number; succeeded: number }>>();
    for (const receiver of Object.values(receivers)) {
      const counts = new Map<string, { requests: number; succeeded: number }>();
      for (const r of receiver.requests) {
        const id = String(r.headers['webhook-id']);
        const count = counts.get(id) ?? { requests: 0, succeeded: 0 };
        count.requests++;
        if (r.status !== undefined && r.status < 300) count.succeeded++;
        counts.set(id, count);
      }
      seen.set(receiver, counts);
    }
    let expected = 0;
    let lost = 0;
    let duplicated = 0;
    for (const [id, type] of accepted) {
      for (const [name, receiver] of Object.entries(receivers)) {
        if (name === 'paid' && type !== 'order.paid') continue;
        expected++;
        const n = seen.get(receiver)?.get(id)?.succeeded ?? 0;
        if (n === 0) lost++;
        if (n > 1) duplicated += n - 1;
      }
    }
    const phantoms = [...seen.values()].flatMap((counts) =>
      [...counts.keys()].filter((id) => !accepted.has(id)),
    );

    // What Postgres recorded, per delivery: it must be final and succeeded, with at least one
    // succeeded attempt, and no more attempts (or succeeded ones) than its receiver saw. Fewer
    // is allowed: a worker killed after sending never recorded its attempt.
    const { rows } = await sql.query<{
      message_id: string;
      url: string;
      status: string;
      attempts: number;
      succeeded: number;
    }>(
      `select d.message_id, e.url, d.status,
              count(a.id) filter (where a.status_code is not null)::int as attempts,
              count(a.id) filter (where a.outcome = 'succeeded')::int as succeeded
         from deliveries d join endpoints e on e.id = d.endpoint_id
         left join attempts a on a.delivery_id = d.id
        group by d.id, d.message_id, e.url, d.status`,
    );
    await sql.end();
    const disagreements = rows.filter((row) => {
      const receiver = Object.values(receivers).find((r) => row.url.startsWith(r.url));
      const saw = receiver && seen.get(receiver)?.get(row.message_id);
      return (
        row.status !== 'succeeded' ||
        !accepted.has(row.message_id) ||
        saw === undefined ||
        row.succeeded < 1 ||
        row.succeeded > saw.succeeded ||
        row.attempts > saw.requests
      );
    });

    say(
      `sent=${sent} accepted=${accepted.size} delivered=${expected - lost}/${expected} lost=${lost} ` +
        `duplicated=${duplicated} phantom=${phantoms.length} postgres_disagrees=${disagreements.length} ` +
        `deliveries_recorded=${rows.length} seconds_to_quiescence=${quiescence.toFixed(1)}`,
    );
    // What the reconcilers did, from the workers' own logs.
    const reconciled = { released: 0, requeued: 0 };
    for (const p of processes) {
      for (const match of p.output().matchAll(/"released":(\d+),"requeued":(\d+)/g)) {
        reconciled.released += Number(match[1]);
        reconciled.requeued += Number(match[2]);
      }
    }
    say(`reconcilers: released=${reconciled.released} requeued=${reconciled.requeued}`);

    // Every process ended the way its fault meant it to, and every other one is still up:
    // none crashed along the way.
    for (const p of processes) {
      if (stopped.has(p)) expect(await p.exited).toBe(stopped.get(p));
      else
        expect([p.child.exitCode, p.child.signalCode], p.output().slice(-2000)).toEqual([
          null,
          null,
        ]);
    }
    expect(accepted.size).toBe(messages);
    expect(lost).toBe(0);
    expect(phantoms).toEqual([]);
    expect(disagreements).toEqual([]);
    expect(rows).toHaveLength(expected);
  });
});
