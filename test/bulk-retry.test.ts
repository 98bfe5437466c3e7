import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { jobs } from '@hookrail/queue';
import { pendingJobs } from './support/queue.ts';
import { HttpClient } from './support/http.ts';
import { StreamClient } from './support/stream-client.ts';
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
  delivered: number;
  failedAgain: number;
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

/** The task once its every re-queued delivery has ended (counted as delivered or not). */
async function settled(id: string, get = task): Promise<Task> {
  return waitFor(`task ${id} to settle`, async () => {
    const t = await get(id);
    return t.status === 'finished' && t.delivered + t.failedAgain === t.queued ? t : undefined;
  });
}

async function deliveryCount(appId: string, statuses: string[]): Promise<number> {
  const { rows } = await env.sql.query<{ n: number }>(
    'select count(*)::int as n from deliveries where app_id = $1 and status = any($2)',
    [appId, statuses],
  );
  return rows[0]?.n ?? 0;
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
    // What was delivered is counted on the task, durably: any later read shows it.
    expect(await settled(created.id)).toMatchObject({ queued: 3, delivered: 3, failedAgain: 0 });
  });

  it('a second run, after the first has sent everything, counts nothing and sends nothing', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const appId = await failedDeliveries('/bulk-twice', 4);
    const body = { scope: { appId }, since };
    expect((await client.post('/api/v1/bulk-retry', { ...body, dryRun: true })).json()).toEqual({
      count: 4,
    });
    const first = (await client.post('/api/v1/bulk-retry', body)).json<Task>();
    expect(await settled(first.id)).toMatchObject({ total: 4, queued: 4, delivered: 4 });
    expect(receiver.requestsTo('/bulk-twice')).toHaveLength(8);

    expect((await client.post('/api/v1/bulk-retry', { ...body, dryRun: true })).json()).toEqual({
      count: 0,
    });
    const second = (await client.post('/api/v1/bulk-retry', body)).json<Task>();
    expect(await settled(second.id)).toMatchObject({ total: 0, queued: 0, delivered: 0 });
    expect(await pendingJobs(env)).toBe(0);
    expect(await deliveryCount(appId, ['succeeded'])).toBe(4);
    expect(receiver.requestsTo('/bulk-twice')).toHaveLength(8);
    // The first task's counts are its own: the second took nothing from them.
    expect(await task(first.id)).toMatchObject({ queued: 4, delivered: 4, failedAgain: 0 });
  });

  it('counts what failed again, and the dry run counts exactly what the run re-sends', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const appId = await failedDeliveries('/bulk-again', 3);
    receiver.answer((req) => (req.path === '/bulk-again' ? { status: 503 } : { status: 200 }));
    const dry = (
      await client.post('/api/v1/bulk-retry', { scope: { appId }, since, dryRun: true })
    ).json<{ count: number }>();
    const run = (await client.post('/api/v1/bulk-retry', { scope: { appId }, since })).json<Task>();
    expect(run.total).toBe(dry.count);
    expect(await settled(run.id)).toMatchObject({
      total: 3,
      queued: 3,
      delivered: 0,
      failedAgain: 3,
    });
    receiver.answer(() => ({ status: 200 }));
    // Failed again means failed: a later run takes them up, and its counts are its own.
    const again = (
      await client.post('/api/v1/bulk-retry', { scope: { appId }, since })
    ).json<Task>();
    expect(await settled(again.id)).toMatchObject({ total: 3, delivered: 3, failedAgain: 0 });
    expect(await task(run.id)).toMatchObject({ delivered: 0, failedAgain: 3 });
  });

  it('counts re-sent deliveries canceled before they end (their endpoint deleted) as not delivered', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const appId = await failedDeliveries('/bulk-gone', 2);
    receiver.answer((req) => (req.path === '/bulk-gone' ? 'hang' : { status: 200 }));
    const run = (await client.post('/api/v1/bulk-retry', { scope: { appId }, since })).json<Task>();
    // Both re-sent requests are being answered when the endpoint goes away.
    await waitFor('2 requests held open', () => receiver.openRequests('/bulk-gone') === 2);
    const endpoint = (await client.get(`/api/v1/app/${appId}/endpoint`)).json<{
      data: { id: string }[];
    }>().data[0]?.id;
    expect((await client.delete(`/api/v1/app/${appId}/endpoint/${endpoint}`)).status).toBe(204);
    expect(await settled(run.id)).toMatchObject({ queued: 2, delivered: 0, failedAgain: 2 });
    // The answers that come afterwards change nothing, and count nothing more.
    receiver.release(200);
    await waitFor('the queue to drain', async () => (await pendingJobs(env)) === 0);
    expect(await deliveryCount(appId, ['canceled'])).toBe(2);
    expect(await task(run.id)).toMatchObject({ delivered: 0, failedAgain: 2 });
    receiver.answer(() => ({ status: 200 }));
  });

  it('keeps to its scope: one endpoint, the window, the event types', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    const appId = await failedDeliveries('/bulk-scope', 2, 'scope.one');
    const endpoints = (await client.get(`/api/v1/app/${appId}/endpoint`)).json<{
      data: { id: string }[];
    }>();
    const first = endpoints.data[0]?.id;
    // A second endpoint of the same application, with failures of another event type.
    await client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/bulk-scope-2` });
    receiver.answer((req) =>
      req.path.startsWith('/bulk-scope') ? { status: 500 } : { status: 200 },
    );
    await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'scope.two', payload: {} });
    // scope.two went to both endpoints: 4 failed deliveries, 3 of them to the first endpoint.
    await waitFor(
      '4 failed deliveries',
      async () => (await deliveryCount(appId, ['failed'])) === 4,
    );
    receiver.answer(() => ({ status: 200 }));
    const after = new Date(Date.now() + 1000).toISOString();
    const count = async (body: object) =>
      (await client.post('/api/v1/bulk-retry', { since: before, ...body, dryRun: true })).json<{
        count: number;
      }>().count;
    expect(await count({ scope: { appId } })).toBe(4);
    expect(await count({ scope: { appId, endpointId: first } })).toBe(3);
    expect(await count({ scope: { appId }, eventTypes: ['scope.two'] })).toBe(2);
    expect(await count({ scope: { appId }, eventTypes: ['scope.one', 'scope.two'] })).toBe(4);
    expect(await count({ scope: { appId }, until: before })).toBe(0);
    expect(await count({ scope: { appId }, since: after })).toBe(0);
    expect(await count({ scope: { appId }, until: after })).toBe(4);

    const run = (
      await client.post('/api/v1/bulk-retry', {
        scope: { appId, endpointId: first },
        since: before,
        eventTypes: ['scope.two'],
      })
    ).json<Task>();
    expect(await settled(run.id)).toMatchObject({ total: 1, queued: 1, delivered: 1 });
    expect(await deliveryCount(appId, ['failed'])).toBe(3);
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

  it("lets an application's portal token retry, follow and cancel its own application's tasks, and nothing else", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const appId = await failedDeliveries('/bulk-portal', 2);
    const otherApp = await failedDeliveries('/bulk-portal-other', 1);
    const tokenOf = async (app: string, grant: object) =>
      new HttpClient(
        api.url,
        (await client.post(`/api/v1/auth/app-portal-access/${app}`, grant)).json<{
          token: string;
        }>().token,
      );
    const portal = await tokenOf(appId, { capabilities: ['CreateAttempts'] });
    const readOnly = await tokenOf(appId, { readOnly: true });
    const base = `/api/v1/app/${appId}/bulk-retry`;

    const watcher = await StreamClient.connect(api.url, portal.token);
    watcher.send({ type: 'subscribe', types: ['task.progress'] });
    await watcher.waitForEvent('the subscription', (m) => m.type === 'subscribed');

    expect((await portal.post(base, { since, dryRun: true })).json()).toEqual({ count: 2 });
    // The tenant's view of the same scope counts the same.
    expect(
      (await client.post('/api/v1/bulk-retry', { scope: { appId }, since, dryRun: true })).json(),
    ).toEqual({ count: 2 });
    const started = await portal.post(base, { since });
    expect(started.status).toBe(202);
    const created = started.json<Task>();
    expect(created).toMatchObject({ task: 'bulk-retry', total: 2, status: 'running' });
    const done = await settled(created.id, async (id) =>
      (await portal.get(`${base}/${id}`)).json<Task>(),
    );
    expect(done).toMatchObject({ queued: 2, delivered: 2 });
    // The stream told the same, delivered included.
    await watcher.waitForEvent(
      'the stream to report both delivered',
      (m) => m.data?.taskId === created.id && m.data.delivered === 2,
    );
    watcher.close();
    expect((await readOnly.get(`${base}/${created.id}`)).json()).toMatchObject({ delivered: 2 });
    const listed = (await readOnly.get(base)).json<{ data: Task[] }>();
    expect(listed.data.map((t) => t.id)).toEqual([created.id]);

    // A read-only token follows but changes nothing: 403 with a stable code.
    const refused = await readOnly.post(base, { since, dryRun: true });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'forbidden' });
    expect((await readOnly.post(`${base}/${created.id}/cancel`)).status).toBe(403);

    // Another application's tasks and routes, and the tenant-wide routes, are not the token's.
    const othersTask = (
      await client.post('/api/v1/bulk-retry', { scope: { appId: otherApp }, since })
    ).json<Task>();
    expect((await portal.get(`${base}/${othersTask.id}`)).status).toBe(404);
    expect((await portal.post(`${base}/${othersTask.id}/cancel`)).status).toBe(404);
    expect((await portal.post(`/api/v1/app/${otherApp}/bulk-retry`, { since })).status).toBe(404);
    expect((await portal.get(`/api/v1/app/${otherApp}/bulk-retry/${othersTask.id}`)).status).toBe(
      404,
    );
    expect((await portal.post('/api/v1/bulk-retry', { since, dryRun: true })).status).toBe(403);
    expect((await portal.get(`/api/v1/bulk-retry/${othersTask.id}`)).status).toBe(403);
    // An endpoint of another application is as absent in this one.
    const otherEndpoint = (await client.get(`/api/v1/app/${otherApp}/endpoint`)).json<{
      data: { id: string }[];
    }>().data[0]?.id;
    expect(
      (await portal.post(base, { since, scope: { endpointId: otherEndpoint }, dryRun: true }))
        .status,
    ).toBe(404);

    // Another tenant sees none of it, with its key or its own application's token.
    const stranger = (await api.newTenant()).client;
    expect((await stranger.post(base, { since, dryRun: true })).status).toBe(404);
    expect((await stranger.get(`${base}/${created.id}`)).status).toBe(404);
    const strangersApp = (await stranger.post('/api/v1/app', { name: 'x' })).json<{ id: string }>();
    const strangersToken = new HttpClient(
      api.url,
      (await stranger.post(`/api/v1/auth/app-portal-access/${strangersApp.id}`, {})).json<{
        token: string;
      }>().token,
    );
    expect(
      (await strangersToken.get(`/api/v1/app/${strangersApp.id}/bulk-retry/${created.id}`)).status,
    ).toBe(404);
    expect((await strangersToken.get(`${base}/${created.id}`)).status).toBe(404);

    // The application's own token cancels its own running task (held before it runs).
    await worker.stop();
    const mine = (await portal.post(base, { since })).json<Task>();
    const canceled = await portal.post(`${base}/${mine.id}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.json()).toMatchObject({ status: 'canceled' });
    await worker.start();
  });
});
