import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { StreamClient, UpgradeRefused, type StreamMessage } from './support/stream-client.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';
import { housekeepingLockKey } from '@hookrail/db';

// What the API and the worker put on the status stream besides deliveries: background tasks,
// endpoint changes made through the API, and the attempt ids; and how refused upgrades are
// throttled. One API and one worker in this process, on this file's database and Redis prefix.
const env = useTestEnv();
const api = useTestApi(env);
// One attempt each (a failure is final at once, and no breaker holds the next ones back);
// retry tasks re-queue 3 deliveries a batch.
useTestWorker(env, {
  HOOKRAIL_RETRY_SCHEDULE: 'none',
  HOOKRAIL_BREAKER_FAILURES: '1000',
  HOOKRAIL_RECOVERY_RATE: '3',
});
const receiver = useReceiver();

let tenant: { id: string; apiKey: string; client: HttpClient };
beforeAll(async () => {
  tenant = await api.newTenant('stream events');
});

async function connect(token: string): Promise<StreamClient> {
  return StreamClient.connect(api.url, token);
}

/** The status of an upgrade with `token`: 101 when it opened (then closed at once), else the refusal's. */
const upgradeStatus = (token: string) =>
  connect(token).then(
    (client) => {
      client.close();
      return 101;
    },
    (error: unknown) => (error instanceof UpgradeRefused ? error.status : 0),
  );

async function subscribe(client: StreamClient, filter: object = {}): Promise<StreamClient> {
  const before = client.messages.length;
  client.send({ type: 'subscribe', ...filter });
  await waitFor('the subscription', () =>
    client.messages.slice(before).find((m) => m.type === 'subscribed'),
  );
  return client;
}

async function portalToken(appId: string): Promise<string> {
  const res = await tenant.client.post(`/api/v1/auth/app-portal-access/${appId}`, {});
  return res.json<{ token: string }>().token;
}

async function newApp(name: string): Promise<string> {
  return (await tenant.client.post('/api/v1/app', { name })).json<{ id: string }>().id;
}

/** An endpoint at `path` of the receiver (with `fields`), which fails `count` messages for good. */
async function failedDeliveries(
  appId: string,
  path: string,
  count: number,
  fields: object = {},
): Promise<string> {
  const endpoint = (
    await tenant.client.post(`/api/v1/app/${appId}/endpoint`, {
      url: `${receiver.url}${path}`,
      ...fields,
    })
  ).json<{ id: string }>();
  receiver.answer((req) => (req.path === path ? { status: 500 } : { status: 200 }));
  for (let i = 0; i < count; i++) {
    await tenant.client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: { i } });
  }
  await waitFor(`${count} failed deliveries to ${path}`, async () => {
    const { rows } = await env.sql.query<{ n: number }>(
      "select count(*)::int as n from deliveries where endpoint_id = $1 and status = 'failed'",
      [endpoint.id],
    );
    return rows[0]?.n === count;
  });
  receiver.answer(() => ({ status: 200 }));
  return endpoint.id;
}

const progressOf = (client: StreamClient, taskId: string) =>
  client.events().filter((e) => e.type === 'task.progress' && e.data?.taskId === taskId);

/**
 * A task's events as a client folds them: the runner's (created, each batch, the end) and the
 * workers' (outcomes of re-queued deliveries) interleave, each holding the task as its own
 * commit left it, so a client keeps the largest count and the end once seen. The distinct
 * states this gives, in order.
 */
function counts(events: StreamMessage[]) {
  const states: unknown[][] = [];
  let queued = 0;
  let ended: unknown;
  for (const e of events) {
    queued = Math.max(queued, Number(e.data?.queued));
    if (e.data?.done === true) ended ??= e.data.taskStatus;
    const state = [ended ?? 'running', queued, ended !== undefined];
    if (JSON.stringify(state) !== JSON.stringify(states.at(-1))) states.push(state);
  }
  return states;
}

async function finished(client: StreamClient, taskId: string): Promise<StreamMessage[]> {
  await client.waitForEvent(
    `task ${taskId} to end`,
    (m) => m.data?.taskId === taskId && m.data.done === true,
  );
  return progressOf(client, taskId);
}

describe('the status stream beyond deliveries', () => {
  it("shows a retry task's progress up to its end, in order; an application's token sees only its application's tasks", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const appA = await newApp('tasks A');
    const appB = await newApp('tasks B');
    await failedDeliveries(appA, '/task-a', 7);
    const endpointB = await failedDeliveries(appB, '/task-b', 2);

    const watcher = await subscribe(await connect(tenant.apiKey), { types: ['task.progress'] });
    const ofA = await subscribe(await connect(await portalToken(appA)));
    const ofB = await subscribe(await connect(await portalToken(appB)));

    const bulk = await tenant.client.post('/api/v1/bulk-retry', { scope: { appId: appA }, since });
    expect(bulk.status).toBe(202);
    const bulkId = bulk.json<{ id: string }>().id;
    // Created, then one event a batch of 3, then finished; all of it the task as GET shows it.
    const expected = [
      ['running', 0, false],
      ['running', 3, false],
      ['running', 6, false],
      ['running', 7, false],
      ['finished', 7, true],
    ];
    expect(counts(await finished(watcher, bulkId))).toEqual(expected);
    expect(counts(await finished(ofA, bulkId))).toEqual(expected);
    const last = progressOf(watcher, bulkId).find((e) => e.data?.done === true)?.data;
    const shown = (await tenant.client.get(`/api/v1/bulk-retry/${bulkId}`)).json<{
      task: string;
      total: number;
      queued: number;
      updatedAt: string;
    }>();
    expect(last).toMatchObject({
      appId: appA,
      task: 'bulk-retry',
      total: shown.total,
      queued: shown.queued,
      updatedAt: shown.updatedAt,
      since,
    });
    expect(last).not.toHaveProperty('endpointId');

    const recover = await tenant.client.post(`/api/v1/app/${appB}/endpoint/${endpointB}/recover`, {
      since,
    });
    expect(recover.status).toBe(202);
    const recoverId = recover.json<{ id: string }>().id;
    const recovered = await finished(ofB, recoverId);
    expect(counts(recovered)).toEqual([
      ['running', 0, false],
      ['running', 2, false],
      ['finished', 2, true],
    ]);
    expect(recovered[0]?.data).toMatchObject({
      appId: appB,
      endpointId: endpointB,
      task: 'endpoint.recover',
    });
    expect(counts(await finished(watcher, recoverId))).toEqual(counts(recovered));

    // A tenant-wide task belongs to no application: only the tenant's credentials see it.
    const wide = await tenant.client.post('/api/v1/bulk-retry', { since });
    const wideId = wide.json<{ id: string }>().id;
    await finished(watcher, wideId);
    // The positive controls above share these clients' process and reader.
    const tasksSeen = (client: StreamClient) =>
      new Set(client.events().flatMap((e) => (e.type === 'task.progress' ? [e.data?.taskId] : [])));
    expect(tasksSeen(ofA)).toEqual(new Set([bulkId]));
    expect(tasksSeen(ofB)).toEqual(new Set([recoverId]));
    expect(tasksSeen(watcher)).toEqual(new Set([bulkId, recoverId, wideId]));
    for (const client of [watcher, ofA, ofB]) client.close();
  });

  it('shows a canceled task ending as canceled', async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const app = await newApp('canceled');
    // Re-queued 3 a second: 12 take 4 s, ample time to cancel before the end.
    await failedDeliveries(app, '/task-cancel', 12);
    const watcher = await subscribe(await connect(tenant.apiKey), { appId: app });
    const started = await tenant.client.post('/api/v1/bulk-retry', {
      scope: { appId: app },
      since,
    });
    const taskId = started.json<{ id: string }>().id;
    const canceled = await tenant.client.post(`/api/v1/bulk-retry/${taskId}/cancel`, {});
    expect(canceled.json()).toMatchObject({ status: 'canceled' });
    const events = await finished(watcher, taskId);
    expect(events[0]?.data).toMatchObject({ taskStatus: 'running', queued: 0 });
    expect(counts(events).at(-1)).toEqual(['canceled', expect.any(Number), true]);
    // Whatever the worker reported before it saw the cancel, the runner's counts never go back
    // (the workers' events about outcomes may carry an older `queued`).
    const queued = events
      .filter((e) => e.data?.delivered === 0 && e.data.failedAgain === 0)
      .map((e) => Number(e.data?.queued));
    expect(queued).toEqual([...queued].sort((a, b) => a - b));
    watcher.close();
  });

  it('shows the endpoint changes made through the API: created, updated, disabled, enabled, deleted', async () => {
    const app = await newApp('endpoint changes');
    const other = await newApp('elsewhere');
    // The tenant's other applications are still busy with the tasks' deliveries.
    const watcher = await subscribe(await connect(tenant.apiKey), { appId: app });
    const ofApp = await subscribe(await connect(await portalToken(app)));
    const ofOther = await subscribe(await connect(await portalToken(other)));

    const created = await tenant.client.post(`/api/v1/app/${app}/endpoint`, {
      uid: 'changes',
      url: `${receiver.url}/changes`,
    });
    const endpointId = created.json<{ id: string }>().id;
    await tenant.client.patch(`/api/v1/app/${app}/endpoint/${endpointId}`, { disabled: true });
    await tenant.client.patch(`/api/v1/app/${app}/endpoint/${endpointId}`, { disabled: false });
    expect((await tenant.client.delete(`/api/v1/app/${app}/endpoint/${endpointId}`)).status).toBe(
      204,
    );
    // Disabling and enabling through the API raise their own events after the update's.
    const expected = [
      'endpoint.created',
      'endpoint.updated',
      'endpoint.disabled',
      'endpoint.updated',
      'endpoint.enabled',
      'endpoint.deleted',
    ];
    for (const client of [watcher, ofApp]) {
      await waitFor('the deletion', () =>
        client.events().some((e) => e.type === 'endpoint.deleted'),
      );
      expect(client.events().map((e) => e.type)).toEqual(expected);
      expect(client.events()[0]?.data).toEqual({
        appId: app,
        appUid: null,
        endpointId,
        endpointUid: 'changes',
      });
      expect(client.events()[2]?.data).toMatchObject({ endpointId, trigger: 'manual' });
    }
    expect(ofOther.events()).toEqual([]);
    for (const client of [watcher, ofApp, ofOther]) client.close();
  });

  it('ends every delivery a deletion or an expunge cancels with delivery.canceled, and only those', async () => {
    const app = await newApp('canceled in bulk');
    const other = await newApp('canceled elsewhere');
    const endpointId = (
      await tenant.client.post(`/api/v1/app/${app}/endpoint`, { url: `${receiver.url}/bulk` })
    ).json<{ id: string }>().id;
    await tenant.client.post(`/api/v1/app/${app}/endpoint`, { url: `${receiver.url}/stays` });
    const watcher = await subscribe(await connect(tenant.apiKey), { appId: app });
    const ofOther = await subscribe(await connect(await portalToken(other)));
    const send = async (deliverAt?: string) =>
      (
        await tenant.client.post(`/api/v1/app/${app}/msg`, {
          eventType: 'bulk.cancel',
          payload: {},
          ...(deliverAt !== undefined && { deliverAt }),
        })
      ).json<{ id: string }>().id;
    // One delivered at once (to both endpoints); three held for an hour (pending).
    const sent = await send();
    await waitFor(
      'the first message delivered twice',
      () => watcher.events().filter((e) => e.type === 'delivery.succeeded').length === 2,
    );
    const later = new Date(Date.now() + 3_600_000).toISOString();
    const held = [await send(later), await send(later), await send(later)];

    expect((await tenant.client.delete(`/api/v1/app/${app}/endpoint/${endpointId}`)).status).toBe(
      204,
    );
    const canceled = () => watcher.events().filter((e) => e.type === 'delivery.canceled');
    await waitFor('three cancellations', () => canceled().length === 3);
    expect(canceled().map((e) => e.data?.msgId)).toEqual(expect.arrayContaining(held));
    for (const event of canceled()) {
      expect(event.data).toMatchObject({
        appId: app,
        endpointId,
        deliveryId: expect.stringMatching(/^dlv_/),
        eventType: 'bulk.cancel',
        status: 'canceled',
        reason: 'endpoint_deleted',
      });
    }
    // The deletion's own event comes first; the succeeded delivery is not canceled.
    const types = watcher.events().map((e) => e.type);
    expect(types.indexOf('endpoint.deleted')).toBeLessThan(types.indexOf('delivery.canceled'));
    expect(canceled().some((e) => e.data?.msgId === sent)).toBe(false);

    // Expunging a held message cancels its delivery to the endpoint left.
    const expunged = held[0] ?? '';
    expect((await tenant.client.delete(`/api/v1/app/${app}/msg/${expunged}/content`)).status).toBe(
      204,
    );
    await waitFor('the expunge cancellation', () => canceled().length === 4);
    expect(canceled().at(-1)?.data).toMatchObject({
      msgId: expunged,
      status: 'canceled',
      reason: 'message_expunged',
    });
    const { rows } = await env.sql.query<{ n: number }>(
      "select count(*)::int as n from deliveries where app_id = $1 and status = 'canceled'",
      [app],
    );
    expect(rows[0]?.n).toBe(4);
    expect(ofOther.events()).toEqual([]);
    for (const client of [watcher, ofOther]) client.close();
  });

  it("shows a retry task's new counts when deliveries it re-queued are canceled: by deleting their endpoint, or their application", async () => {
    const since = new Date(Date.now() - 1000).toISOString();
    const hanging = (path: string) =>
      receiver.requests.filter((r) => r.path === path && r.status === undefined).length;
    const watcher = await subscribe(await connect(tenant.apiKey), { types: ['task.progress'] });
    const reached = (taskId: string, what: string, state: object) =>
      watcher.waitForEvent(`task ${taskId} ${what}`, (m) => {
        if (m.data?.taskId !== taskId) return false;
        return Object.entries(state).every(([key, value]) => m.data?.[key] === value);
      });
    const purge = await env.sql.connect();
    const deletionLock = housekeepingLockKey('deletion');
    const retry = async (appId: string) =>
      (await tenant.client.post('/api/v1/bulk-retry', { scope: { appId }, since })).json<{
        id: string;
      }>().id;
    try {
      // Deleting the endpoint cancels the three re-queued deliveries while their requests hang.
      const app = await newApp('owed, endpoint deleted');
      const endpointId = await failedDeliveries(app, '/owed-endpoint', 3);
      receiver.answer((req) => (req.path === '/owed-endpoint' ? 'hang' : { status: 200 }));
      const taskId = await retry(app);
      await waitFor('three re-sent requests hanging', () => hanging('/owed-endpoint') === 3);
      expect((await tenant.client.delete(`/api/v1/app/${app}/endpoint/${endpointId}`)).status).toBe(
        204,
      );
      await reached(taskId, 'counting three failed again', { queued: 3, failedAgain: 3 });

      // Deleting the application cancels its running task at once, and the claim cancels the
      // deliveries it had re-queued that wait behind the one request its endpoint may have open.
      // The worker's purge of deleted applications would delete them (and the task) first if
      // its turn came while they wait: this test holds the purge's lock meanwhile.
      await purge.query('select pg_advisory_lock($1, $2)', deletionLock);
      const doomed = await newApp('owed, application deleted');
      await failedDeliveries(doomed, '/owed-app', 3, { maxInflight: 1 });
      receiver.answer((req) => (req.path === '/owed-app' ? 'hang' : { status: 200 }));
      const doomedTask = await retry(doomed);
      await reached(doomedTask, 'queueing three', { queued: 3 });
      await waitFor('one re-sent request hanging', () => hanging('/owed-app') === 1);
      expect((await tenant.client.delete(`/api/v1/app/${doomed}`)).status).toBe(204);
      await reached(doomedTask, 'canceled', { taskStatus: 'canceled', done: true });
      receiver.release(200);
      await reached(doomedTask, 'counting the two left as failed again', {
        taskStatus: 'canceled',
        delivered: 1,
        failedAgain: 2,
      });
    } finally {
      receiver.answer(() => ({ status: 200 }));
      receiver.release(200);
      watcher.close();
      await purge.query('select pg_advisory_unlock_all()');
      purge.release();
    }
  });

  it("refuses a revoked app portal token's upgrade with 401, and closes its open sessions with 4401", async () => {
    const app = await newApp('portal revocation');

    // Logout ends the token used, and only it.
    const loggingOut = await portalToken(app);
    const staying = await portalToken(app);
    const out = await subscribe(await connect(loggingOut));
    const stays = await subscribe(await connect(staying));
    const logout = await new HttpClient(api.url, loggingOut).post('/api/v1/auth/logout', {});
    expect(logout.status).toBe(204);
    expect(await out.waitForClose()).toBe(4401);
    expect(await upgradeStatus(loggingOut)).toBe(401);
    expect(stays.closeCode).toBeUndefined();
    expect(await upgradeStatus(staying)).toBe(101);

    // Expire-all ends every token of the application issued so far; a new one works.
    const expiring = await tenant.client.post(`/api/v1/auth/app/${app}/expire-all`, {});
    expect(expiring.status).toBe(204);
    expect(await stays.waitForClose()).toBe(4401);
    expect(await upgradeStatus(staying)).toBe(401);
    expect(await upgradeStatus(await portalToken(app))).toBe(101);
  });

  it('names the attempt in attempt.started, and attempt.finished names the same one, the id the API shows', async () => {
    const app = await newApp('attempt ids');
    await tenant.client.post(`/api/v1/app/${app}/endpoint`, { url: `${receiver.url}/ids` });
    const watcher = await subscribe(await connect(tenant.apiKey), { appId: app });
    const msg = await tenant.client.post(`/api/v1/app/${app}/msg`, {
      eventType: 'a.b',
      payload: {},
    });
    const msgId = msg.json<{ id: string }>().id;
    const done = await watcher.waitForEvent('the attempt', (m) => m.type === 'attempt.finished');
    const started = watcher.events().find((e) => e.type === 'attempt.started');
    expect(started?.data?.attemptId).toMatch(/^atmpt_/);
    expect(done.data?.attemptId).toBe(started?.data?.attemptId);
    const attempts = await tenant.client.get(`/api/v1/app/${app}/attempt/msg/${msgId}`);
    expect(attempts.json<{ data: { id: string }[] }>().data.map((a) => a.id)).toEqual([
      started?.data?.attemptId,
    ]);
    watcher.close();
  });

  // Last: it leaves this address throttled for the rest of the window.
  it('refuses upgrades with 429 once an address has failed too often, counting REST failures with them; a valid key still opens', async () => {
    const statuses: number[] = [];
    // The allowance is 20 failures a window; half of them through REST.
    for (let i = 0; i < 10; i++) statuses.push(await upgradeStatus(`hrk_guess${i}`));
    for (let i = 0; i < 10; i++)
      statuses.push((await new HttpClient(api.url, `hrk_rest${i}`).get('/api/v1/app')).status);
    expect(statuses).toEqual(Array(20).fill(401));
    expect(await upgradeStatus('hrk_one-more')).toBe(429);
    expect((await new HttpClient(api.url, 'hrk_and-rest').get('/api/v1/app')).status).toBe(429);
    // Signed tokens cannot be guessed: their failures stay 401.
    expect(await upgradeStatus('eyJhbGciOiJIUzI1NiJ9.e30.c2ln')).toBe(401);
    expect(await upgradeStatus(tenant.apiKey)).toBe(101);
  });
});
