import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAdminToken } from './support/api.ts';
import { redisOverrides, testEncryptionKey, useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';
import { freePort } from './support/private-redis.ts';
import { runProcess, type RunningProcess } from './support/process.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';

// Two API and two worker processes, Hookrail's own entry points, on this file's database and
// Redis prefix: what a deployment behind a load balancer runs.
const env = useTestEnv();
const receiver = useReceiver();
const apis: { process: RunningProcess; url: string }[] = [];
const workers: RunningProcess[] = [];

beforeAll(async () => {
  const shared = {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    HOOKRAIL_REDIS_PREFIX: env.redisPrefix,
    HOOKRAIL_ENCRYPTION_KEY: testEncryptionKey,
    HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.0/8',
    ...redisOverrides(env),
  };
  for (let i = 0; i < 2; i++) {
    const port = await freePort();
    const api = runProcess('apps/api/src/main.ts', {
      ...shared,
      PORT: String(port),
      HOOKRAIL_ADMIN_TOKEN: testAdminToken,
      HOOKRAIL_JWT_SECRET: 'scale-out-test-jwt-secret-0123456789abcdef',
    });
    apis.push({ process: api, url: `http://127.0.0.1:${port}` });
    // One slot each, and no request leaves its slot for being slow: two requests open at once
    // must come from two workers.
    workers.push(
      runProcess('apps/worker/src/main.ts', {
        ...shared,
        HOOKRAIL_WORKER_CONCURRENCY: '1',
        HOOKRAIL_SLOW_AFTER: '120',
      }),
    );
  }
  await Promise.all([
    ...apis.map(({ process }) => process.waitFor(/api listening/, 60_000)),
    ...workers.map((worker) => worker.waitFor(/worker ready/, 60_000)),
  ]);
}, 90_000);

afterAll(async () => {
  const all = [...apis.map(({ process }) => process), ...workers];
  for (const p of all) p.child.kill('SIGTERM');
  expect(await Promise.all(all.map((p) => p.exited))).toEqual([0, 0, 0, 0]);
});

/** The delivery ids a worker logged an attempt for. */
function attemptsOf(worker: RunningProcess): Set<string> {
  const ids = new Set<string>();
  for (const line of worker.output().split('\n')) {
    if (!line.includes('"attempt"')) continue;
    try {
      const entry = JSON.parse(line) as { msg?: string; deliveryId?: string };
      if (entry.msg === 'attempt' && entry.deliveryId !== undefined) ids.add(entry.deliveryId);
    } catch {
      // not a log line of ours
    }
  }
  return ids;
}

describe('two APIs and two workers', () => {
  it('deliver every message sent through either API exactly once, and both workers deliver', async () => {
    const [first, second] = apis;
    if (first === undefined || second === undefined) throw new Error('the APIs did not start');
    const admin = new HttpClient(first.url, testAdminToken);
    const { apiKey } = (await admin.post('/api/v1/admin/tenants', { name: 'scale' })).json<{
      apiKey: string;
    }>();
    const clients = apis.map(({ url }) => new HttpClient(url, apiKey));
    const appId = (await clients[1]?.post('/api/v1/app', { name: 'scale' }))?.json<{
      id: string;
    }>().id;
    for (const path of ['/a', '/b', '/c']) {
      const res = await clients[0]?.post(`/api/v1/app/${String(appId)}/endpoint`, {
        url: `${receiver.url}${path}`,
      });
      expect(res?.status).toBe(201);
    }

    // The first request is held until a second one arrives: with one slot per worker, the
    // second comes from the other worker.
    receiver.answer((_request, index) => {
      if (index === 0) return 'hang';
      if (index === 1) receiver.release(200);
      return { status: 200 };
    });
    const sent: string[] = [];
    for (let i = 0; i < 20; i++) {
      const client = clients[i % 2];
      const res = await client?.post(`/api/v1/app/${String(appId)}/msg`, {
        eventType: 'scale.test',
        payload: { i },
      });
      expect(res?.status).toBe(202);
      sent.push(res?.json<{ id: string }>().id ?? '');
    }
    const expected = sent.length * 3;
    await waitFor(`${expected} deliveries`, () => receiver.requests.length >= expected, 60_000);
    await waitFor('every delivery to be recorded', async () => {
      const { rows } = await env.sql.query<{ n: number }>(
        "select count(*)::int as n from deliveries where status = 'succeeded'",
      );
      return rows[0]?.n === expected;
    });

    const received = receiver.requests.map((r) => `${String(r.headers['webhook-id'])} ${r.path}`);
    expect(received).toHaveLength(expected);
    expect(new Set(received).size).toBe(expected);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id']))).toEqual(new Set(sent));

    // Every delivery was attempted by one worker, and each worker delivered some.
    const [a, b] = await waitFor('every attempt to be logged', () => {
      const logged = workers.map((worker) => attemptsOf(worker));
      return logged.reduce((sum, ids) => sum + ids.size, 0) >= expected && logged;
    });
    expect(a?.size).toBeGreaterThan(0);
    expect(b?.size).toBeGreaterThan(0);
    expect([...(a ?? [])].filter((id) => b?.has(id))).toEqual([]);
  });
});
