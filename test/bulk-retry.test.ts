import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { jobs } from '@hookrail/queue';
import { pendingJobs } from './support/queue.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const env = useTestEnv();
const api = useTestApi(env);
// One attempt each: a failure is final at once.
const worker = useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: 'none' });
const receiver = useReceiver();

interface Task {
  id: string;
  status: string;
  task: string;
  total: number;
  queued: number;
}

let client: HttpClient;
beforeAll(async () => {
  client = (await api.newTenant()).client;
});

/** An application whose endpoint at `path` fails `count` messages for good. */
async function failedDeliveries(path: string, count: number, eventType = 'a.b') {
  const app = (await client.post('/api/v1/app', { name: path })).json<{ id: string }>();
  await client.post(`/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}${path}` });
  receiver.answer((req) => (req.path === path ? { status: 500 } : { status: 200 }));
  for (let i = 0; i < count; i++) {
    await client.post(`/api/v1/app/${app.id}/msg`, { eventType, payload: { i } });
  }
  await waitFor(`${count} failed deliveries to ${path}`, async () => {
    const { rows } = await env.sql.query<{ n: number }>(
      "select count(*)::int as n from deliveries where app_id = $1 and status = 'failed'",
      [app.id],
    );
    return rows[0]?.n === count;
  });
  receiver.answer(() => ({ status: 200 }));
  return app.id;
}

async function task(id: string): Promise<Task> {
  return (await client.get(`/api/v1/bulk-retry/${id}`)).json<Task>();
}

describe('bulk retry', () => {
  it('counts with dryRun, re-sends the failed deliveries of an application, and reports progress', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const appId = await failedDeliveries('/bulk-a', 3);
    const other = await failedDeliveries('/bulk-b', 2);

    const dry = await client.post('/api/v1/bulk-retry', { scope: { appId }, since, dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.json()).toEqual({ count: 3 });
    expect((await client.post('/api/v1/bulk-retry', { since, dryRun: true })).json()).toEqual({
      count: 5,
    });

    const before = receiver.requestsTo('/bulk-a').length;
    const started = await client.post('/api/v1/bulk-retry', { scope: { appId }, since });
    expect(started.status).toBe(202);
    const created = started.json<Task>();
    expect(created).toMatchObject({ status: 'running', task: 'bulk-retry', total: 3 });
    const done = await waitFor('the task to finish', async () => {
      const t = await task(created.id);
      return t.status === 'finished' ? t : undefined;
    });
    expect(done).toMatchObject({ total: 3, queued: 3 });
    await receiver.waitForRequests(before + 3, '/bulk-a');
    await waitFor('the re-sent deliveries to succeed', async () => {
      const { rows } = await env.sql.query<{ n: number }>(
        "select count(*)::int as n from deliveries where app_id = $1 and status = 'succeeded'",
        [appId],
      );
      return rows[0]?.n === 3;
    });
    // The other application was out of scope.
    const { rows } = await env.sql.query(
      "select count(*)::int as n from deliveries where app_id = $1 and status = 'failed'",
      [other],
    );
    expect(rows[0]).toEqual({ n: 2 });
    const list = (await client.get('/api/v1/bulk-retry')).json<{ data: Task[] }>();
    expect(list.data[0]?.id).toBe(created.id);
  });

  it('filters by event type, and never queues a delivery twice when two tasks cover it', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const appId = await failedDeliveries('/bulk-c', 2, 'kind.one');
    await failedDeliveries('/bulk-c2', 1, 'kind.two');
    const before = receiver.requestsTo('/bulk-c').length;
    const [first, second] = await Promise.all([
      client.post('/api/v1/bulk-retry', { scope: { appId }, since, eventTypes: ['kind.one'] }),
      client.post('/api/v1/bulk-retry', { scope: { appId }, since, eventTypes: ['kind.one'] }),
    ]);
    const ids = [first, second].map((r) => r.json<Task>().id);
    const finished = await Promise.all(
      ids.map((id) =>
        waitFor('both tasks to finish', async () =>
          (await task(id)).status === 'finished' ? task(id) : undefined,
        ),
      ),
    );
    expect(finished.reduce((sum, t) => sum + t.queued, 0)).toBe(2);
    await receiver.waitForRequests(before + 2, '/bulk-c');
    await waitFor('the queue to drain', async () => {
      const { rows } = await env.sql.query<{ n: number }>(
        "select count(*)::int as n from deliveries where app_id = $1 and status in ('pending', 'sending')",
        [appId],
      );
      return rows[0]?.n === 0;
    });
    expect(receiver.requestsTo('/bulk-c').length - before).toBe(2);
  });

  it('a task canceled before it runs queues nothing', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const appId = await failedDeliveries('/bulk-d', 3);
    await worker.stop();
    const created = (
      await client.post('/api/v1/bulk-retry', { scope: { appId }, since })
    ).json<Task>();
    const canceled = await client.post(`/api/v1/bulk-retry/${created.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.json()).toMatchObject({ status: 'canceled', queued: 0 });
    await worker.start();
    await waitFor(
      'the task job to run',
      async () => (await pendingJobs(env, jobs.runTask.queue)) === 0,
    );
    expect(await task(created.id)).toMatchObject({ status: 'canceled', queued: 0 });
    const { rows } = await env.sql.query(
      "select count(*)::int as n from deliveries where app_id = $1 and status = 'failed'",
      [appId],
    );
    expect(rows[0]).toEqual({ n: 3 });
    // Canceling twice, or a finished task, changes nothing.
    expect((await client.post(`/api/v1/bulk-retry/${created.id}/cancel`)).json()).toMatchObject({
      status: 'canceled',
    });
  });

  it('refuses bad input and other tenants', async () => {
    expect((await client.post('/api/v1/bulk-retry', {})).status).toBe(422);
    expect((await client.post('/api/v1/bulk-retry', { since: 'yesterday' })).status).toBe(422);
    expect(
      (
        await client.post('/api/v1/bulk-retry', {
          since: new Date().toISOString(),
          scope: { endpointId: 'ep_x' },
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await client.post('/api/v1/bulk-retry', {
          since: new Date().toISOString(),
          scope: { appId: 'nope' },
        })
      ).status,
    ).toBe(404);
    const mine = (
      await client.post('/api/v1/bulk-retry', { since: new Date().toISOString() })
    ).json<Task>();
    const other = (await api.newTenant()).client;
    expect((await other.get(`/api/v1/bulk-retry/${mine.id}`)).status).toBe(404);
    expect((await other.post(`/api/v1/bulk-retry/${mine.id}/cancel`)).status).toBe(404);
  });
});
