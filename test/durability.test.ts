import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { testApiConfig, testAdminToken } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';
import { PrivateRedis } from './support/private-redis.ts';
import { runProcess, type RunningProcess } from './support/process.ts';
import { useReceiver } from './support/receiver.ts';
import { databaseUrl } from './support/services.ts';
import { waitFor } from './support/wait.ts';
import { testWorkerConfig } from './support/worker.ts';
import { startApi, type RunningApi } from '@hookrail/api';
import { createLogger } from '@hookrail/logger';
import { startWorker, type RunningWorker } from '@hookrail/worker';
import { hashTag, jobs } from '@hookrail/queue';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';

// Each guarantee of "no event lost", against a Redis of this file's own that it may break.
const env = useTestEnv();
const redis = new PrivateRedis();
const receiver = useReceiver();
const silent = createLogger({ name: 'test', level: 'silent' });
let api: RunningApi;
let client: HttpClient;
const workers: RunningWorker[] = [];

const onPrivateRedis = () => ({
  REDIS_URL: redis.url,
  HOOKRAIL_RECONCILE_INTERVAL: '0.2',
  HOOKRAIL_LEASE_MARGIN: '1',
});

async function startInProcessWorker(
  overrides: Record<string, string> = {},
): Promise<RunningWorker> {
  const worker = await startWorker(
    testWorkerConfig(env, { ...onPrivateRedis(), ...overrides }),
    silent,
  );
  workers.push(worker);
  return worker;
}

beforeAll(async () => {
  await redis.start();
  api = await startApi(testApiConfig(env, onPrivateRedis()), silent, { host: '127.0.0.1' });
  const admin = new HttpClient(`http://127.0.0.1:${api.port}`, testAdminToken);
  const { apiKey } = (await admin.post('/api/v1/admin/tenants', { name: 'Durable' })).json<{
    apiKey: string;
  }>();
  client = new HttpClient(`http://127.0.0.1:${api.port}`, apiKey);
});
afterAll(async () => {
  for (const worker of workers.splice(0)) await worker.close();
  await api.close();
  await redis.stop();
});

async function appWithEndpoint(path: string): Promise<string> {
  const app = (await client.post('/api/v1/app', { name: path })).json<{ id: string }>();
  await client.post(`/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}${path}` });
  return app.id;
}

async function send(appId: string, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: { i } });
    expect(res.status).toBe(202);
    ids.push(res.json<{ id: string }>().id);
  }
  return ids;
}

function received(path: string): Set<string> {
  return new Set(
    receiver
      .requestsTo(path)
      .filter((r) => r.status === 200)
      .map((r) => String(r.headers['webhook-id'])),
  );
}

async function allReceived(path: string, ids: string[]): Promise<void> {
  await waitFor(
    `all ${ids.length} messages at ${path}`,
    () => ids.every((id) => received(path).has(id)),
    30_000,
  );
}

describe('no event lost', () => {
  it('accepts messages while Redis is down, and delivers them once it is back', async () => {
    const appId = await appWithEndpoint('/redis-down');
    await redis.stop();
    const ids = await send(appId, 5);
    await redis.start();
    await startInProcessWorker();
    await allReceived('/redis-down', ids);
  });

  it('delivers what was queued when Redis lost its data (a flush)', async () => {
    for (const worker of workers.splice(0)) await worker.close();
    const appId = await appWithEndpoint('/flushed');
    const ids = await send(appId, 5);
    await redis.flush();
    await startInProcessWorker();
    await allReceived('/flushed', ids);
  });

  it('delivers what was queued when Redis restarted without persistence', async () => {
    for (const worker of workers.splice(0)) await worker.close();
    const appId = await appWithEndpoint('/restarted');
    const ids = await send(appId, 5);
    await redis.stop();
    await redis.start();
    await startInProcessWorker();
    await allReceived('/restarted', ids);
  });

  it('sends again what a killed worker was sending, with the same webhook-id', async () => {
    for (const worker of workers.splice(0)) await worker.close();
    let holding = true;
    receiver.answer((req) =>
      req.path === '/killed' && holding ? 'hang' : { status: 200, body: 'ok' },
    );
    const appId = await appWithEndpoint('/killed');
    const child: RunningProcess = runProcess('apps/worker/src/main.ts', {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: redis.url,
      HOOKRAIL_REDIS_PREFIX: env.redisPrefix,
      HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.0/8',
      HOOKRAIL_ENCRYPTION_KEY: testApiConfig(env).secrets.key ?? '',
      HOOKRAIL_REQUEST_TIMEOUT: '5',
      HOOKRAIL_LEASE_MARGIN: '1',
    });
    await child.waitFor(/worker ready/);
    const [id] = await send(appId, 1);
    await receiver.waitForRequests(1, '/killed');
    child.child.kill('SIGKILL');
    await child.exited;
    holding = false;
    // The claim (5 s timeout + 1 s) must run out before another worker may send it again.
    await startInProcessWorker({ HOOKRAIL_REQUEST_TIMEOUT: '5' });
    await waitFor('the message to be sent again', () => received('/killed').has(id ?? ''), 60_000);
    const all = receiver.requestsTo('/killed').map((r) => r.headers['webhook-id']);
    expect(all).toEqual([id, id]);
    receiver.answer(() => ({ status: 200, body: 'ok' }));
  }, 90_000);

  it('waits out Postgres: takes no jobs while it is unreachable, resumes by itself, loses nothing', async () => {
    for (const worker of workers.splice(0)) await worker.close();
    const appId = await appWithEndpoint('/pg-cut');
    const lines: string[] = [];
    const ids = await send(appId, 5);
    const name = new URL(env.databaseUrl).pathname.slice(1);
    const admin = new pg.Client({
      connectionString: databaseUrl(inject('postgresUrl'), 'postgres'),
    });
    await admin.connect();
    try {
      await admin.query(`alter database "${name}" allow_connections false`);
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`,
        [name],
      );
      workers.push(
        await startWorker(
          testWorkerConfig(env, onPrivateRedis()),
          createLogger({
            name: 'worker',
            level: 'info',
            destination: { write: (line: string) => lines.push(line) },
          }),
        ),
      );
      expect(lines.some((l) => l.includes('postgres is unreachable; taking no jobs'))).toBe(true);
      const refused = await client.post(`/api/v1/app/${appId}/msg`, {
        eventType: 'a.b',
        payload: {},
      });
      expect(refused.status).toBe(503);
      expect(refused.json()).toMatchObject({ code: 'unavailable' });
      // The worker has not touched the queued jobs: none was started, not even to be put back.
      const connection = new Redis(redis.url, { maxRetriesPerRequest: 1 });
      const queue = new Queue(jobs.deliver.queue, { connection, prefix: hashTag(env.redisPrefix) });
      const waiting = await queue.getJobs(['wait', 'prioritized', 'active', 'delayed']);
      await queue.close();
      connection.disconnect();
      expect(waiting).toHaveLength(5);
      expect(waiting.map((job) => job.attemptsStarted)).toEqual([0, 0, 0, 0, 0]);
      expect(received('/pg-cut').size).toBe(0);
    } finally {
      await admin.query(`alter database "${name}" allow_connections true`);
      await admin.end();
    }
    await allReceived('/pg-cut', ids);
    expect(lines.some((l) => l.includes('postgres is back; taking jobs again'))).toBe(true);
  });

  it('an attempt whose result could not be recorded is recorded later, and any re-send is visible too', async () => {
    for (const worker of workers.splice(0)) await worker.close();
    const lines: string[] = [];
    const worker = await startWorker(
      testWorkerConfig(env, {
        ...onPrivateRedis(),
        // Long enough that the held request is answered, not timed out, while Postgres is cut.
        HOOKRAIL_REQUEST_TIMEOUT: '5',
        HOOKRAIL_LEASE_MARGIN: '1',
        HOOKRAIL_LOG_LEVEL: 'info',
      }),
      createLogger({
        name: 'worker',
        level: 'info',
        destination: { write: (line: string) => lines.push(line) },
      }),
    );
    workers.push(worker);
    receiver.answer((req) => (req.path === '/record-later' ? 'hang' : { status: 200, body: 'ok' }));
    const appId = await appWithEndpoint('/record-later');
    const [id] = await send(appId, 1);
    await receiver.waitForRequests(1, '/record-later');
    const sql = new pg.Pool({ connectionString: env.databaseUrl, max: 1 });
    sql.on('error', () => undefined);
    const { rows } = await sql.query<{ lease_until: Date }>(
      'select lease_until from deliveries where message_id = $1',
      [id],
    );
    const leaseUntil = rows[0]?.lease_until.getTime() ?? 0;

    const name = new URL(env.databaseUrl).pathname.slice(1);
    const admin = new pg.Client({
      connectionString: databaseUrl(inject('postgresUrl'), 'postgres'),
    });
    await admin.connect();
    try {
      await admin.query(`alter database "${name}" allow_connections false`);
      await admin.query(
        `select pg_terminate_backend(pid) from pg_stat_activity where datname = $1`,
        [name],
      );
      // The receiver answers now, while the result cannot be written...
      receiver.answer(() => ({ status: 200, body: 'ok' }));
      receiver.release(200);
      await waitFor('the worker to find Postgres gone', () =>
        lines.some((l) => l.includes('postgres is unreachable')),
      );
      // ...and stays unwritable until the claim has expired, so the delivery may be sent again.
      await waitFor('the claim to expire', () => Date.now() > leaseUntil + 100);
    } finally {
      await admin.query(`alter database "${name}" allow_connections true`);
      await admin.end();
    }
    await waitFor('the delivery to be final', async () => {
      const result = await sql.query<{ status: string }>(
        'select status from deliveries where message_id = $1',
        [id],
      );
      return result.rows[0]?.status === 'succeeded';
    });
    // Whichever came first, the late record or a re-send: every request the receiver answered
    // is an attempt in Postgres, and all carry the one webhook-id.
    await waitFor('every answered request to be recorded', async () => {
      const attempts = await sql.query<{ n: number }>(
        'select count(*)::int as n from attempts where message_id = $1',
        [id],
      );
      return attempts.rows[0]?.n === receiver.requestsTo('/record-later').length;
    });
    expect(
      new Set(receiver.requestsTo('/record-later').map((r) => r.headers['webhook-id'])),
    ).toEqual(new Set([id]));
    // Each of them as the success it was: the held one too, not a timeout.
    const outcomes = await sql.query<{ status_code: number | null }>(
      'select status_code from attempts where message_id = $1',
      [id],
    );
    expect(outcomes.rows.every((row) => row.status_code === 200)).toBe(true);
    console.info(
      `durability: a result held through a Postgres outage; the receiver saw ${receiver.requestsTo('/record-later').length} request(s), all recorded`,
    );
    await sql.end();
  });

  it('SIGTERM lets the request in flight finish and records it before the worker exits', async () => {
    for (const worker of workers.splice(0)) await worker.close();
    receiver.answer((req) => (req.path === '/graceful' ? 'hang' : { status: 200, body: 'ok' }));
    const appId = await appWithEndpoint('/graceful');
    const child = runProcess('apps/worker/src/main.ts', {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: redis.url,
      HOOKRAIL_REDIS_PREFIX: env.redisPrefix,
      HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.0/8',
      HOOKRAIL_ENCRYPTION_KEY: testApiConfig(env).secrets.key ?? '',
    });
    await child.waitFor(/worker ready/);
    const [id] = await send(appId, 1);
    await receiver.waitForRequests(1, '/graceful');
    child.child.kill('SIGTERM');
    await child.waitFor(/shutting down/);
    receiver.release(200);
    const code = await child.exited;
    if (code !== 0) console.info(child.output());
    expect(code).toBe(0);
    const sql = new pg.Client({ connectionString: env.databaseUrl });
    await sql.connect();
    const { rows } = await sql.query(
      'select status, attempt_count from deliveries where message_id = $1',
      [id],
    );
    await sql.end();
    expect(rows).toEqual([{ status: 'succeeded', attempt_count: 1 }]);
    expect(receiver.requestsTo('/graceful')).toHaveLength(1);
    receiver.answer(() => ({ status: 200, body: 'ok' }));
  });
});
