import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { redisOverrides, testEncryptionKey, useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { runProcess, type RunningProcess } from './support/process.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';

const env = useTestEnv();
const api = useTestApi(env);
const receiver = useReceiver();

// Two real worker processes share the endpoint's limit through Redis.
const workers: RunningProcess[] = [];
beforeAll(async () => {
  for (let i = 0; i < 2; i++) {
    const worker = runProcess('apps/worker/src/main.ts', {
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      HOOKRAIL_REDIS_PREFIX: env.redisPrefix,
      HOOKRAIL_WORKER_CONCURRENCY: '20',
      HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.0/8',
      HOOKRAIL_ENCRYPTION_KEY: testEncryptionKey,
      ...redisOverrides(env),
    });
    workers.push(worker);
    await worker.waitFor(/worker ready/);
  }
});
afterAll(async () => {
  for (const worker of workers) worker.child.kill('SIGTERM');
  expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
});

let client: HttpClient;
beforeAll(async () => {
  client = (await api.newTenant()).client;
});

describe('a rate-limited endpoint', () => {
  it('gets no more than its rate across two worker processes, loses nothing, and burns no attempt', async () => {
    const rate = 5;
    const burst = 1; // requests are spaced evenly, 1/rate apart
    const count = 25;
    const app = (await client.post('/api/v1/app', { name: 'Throttled' })).json<{ id: string }>();
    const ep = (
      await client.post(`/api/v1/app/${app.id}/endpoint`, {
        url: `${receiver.url}/throttled`,
        rateLimit: rate,
      })
    ).json<{ id: string }>();

    const started = Date.now();
    const sent: string[] = [];
    for (let i = 0; i < count; i++) {
      sent.push(
        (
          await client.post(`/api/v1/app/${app.id}/msg`, { eventType: 'a.b', payload: { i } })
        ).json<{ id: string }>().id,
      );
    }
    const requests = await receiver.waitForRequests(count, '/throttled', 60_000);
    const last = Math.max(...requests.map((r) => r.at));

    // A lower bound a slow machine cannot break: the limiter admits `burst` at once, then one
    // every 1/rate seconds, and everything here happened after `started`.
    expect(last - started).toBeGreaterThanOrEqual(((count - burst) / rate) * 1000);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set(sent));

    await waitFor('every delivery to be recorded', async () => {
      const { rows } = await env.sql.query<{ n: number }>(
        "select count(*)::int as n from deliveries where endpoint_id = $1 and status = 'succeeded'",
        [ep.id],
      );
      return rows[0]?.n === count;
    });
    const attempts = await env.sql.query<{ outcome: string; n: number }>(
      'select outcome, count(*)::int as n from attempts where endpoint_id = $1 group by outcome',
      [ep.id],
    );
    expect(attempts.rows).toEqual([{ outcome: 'succeeded', n: count }]);

    // For the record: the rate the endpoint saw, from the attempts' start times.
    const { rows } = await env.sql.query<{ first: Date; last: Date }>(
      'select min(started_at) as first, max(started_at) as last from attempts where endpoint_id = $1',
      [ep.id],
    );
    const span = (rows[0]?.last.getTime() ?? 0) - (rows[0]?.first.getTime() ?? 0);
    console.info(
      `throttle: ${count} requests at a limit of ${rate}/s took ${last - started} ms; ` +
        `observed ${(((count - 1) * 1000) / span).toFixed(2)} requests/s`,
    );
  });
});
