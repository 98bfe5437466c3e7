import {
  ApiException,
  AppPortalCapability,
  BackgroundTaskStatus,
  BackgroundTaskType,
  MessageStatus,
  Svix,
} from 'svix';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { verifyDelivery } from './support/verify.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

// App portal tokens and background tasks, driven by the Svix 2.x client. Two API instances
// share one database, as a deployment with several API processes does.
const env = useTestEnv();
const api = useTestApi(env);
const other = useTestApi(env);
useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: '0.1' });
const receiver = useReceiver();

let svix: Svix;
let tenantHttp: HttpClient;
beforeAll(async () => {
  const tenant = await api.newTenant('Portal 2.x');
  tenantHttp = tenant.client;
  svix = new Svix(tenant.apiKey, { serverUrl: api.url });
  await svix.eventType.create({ name: 'invoice.paid', description: 'paid' });
  await svix.eventType.create({ name: 'invoice.voided', description: 'voided' });
});

async function status(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

/** A portal client for the application, on the given API instance. */
async function portal(
  appId: string,
  body: Parameters<Svix['authentication']['appPortalAccess']>[1],
  url = api.url,
) {
  const access = await svix.authentication.appPortalAccess(appId, body);
  return { access, client: new Svix(access.token, { serverUrl: url }) };
}

describe('app portal capabilities', () => {
  it('a read-only token reads but changes nothing, and never sees a secret', async () => {
    const app = await svix.application.create({ name: 'Read only' });
    const ep = await svix.endpoint.create(app.id, { url: `${receiver.url}/ro` });
    const { client } = await portal(app.id, { readOnly: true });
    expect((await client.endpoint.get(app.id, ep.id)).url).toBe(`${receiver.url}/ro`);
    expect((await client.endpoint.list(app.id)).data).toHaveLength(1);
    expect(await status(client.endpoint.getSecret(app.id, ep.id))).toBe(403);
    expect(await status(client.endpoint.create(app.id, { url: `${receiver.url}/x` }))).toBe(403);
    expect(await status(client.endpoint.patch(app.id, ep.id, { disabled: true }))).toBe(403);
    expect(await status(client.endpoint.delete(app.id, ep.id))).toBe(403);
    expect(await status(client.endpoint.rotateSecret(app.id, ep.id, {}))).toBe(403);
    expect(
      await status(client.endpoint.setHeaders(app.id, ep.id, { headers: { 'x-a': '1' } })),
    ).toBe(403);
    expect(
      await status(client.endpoint.recover(app.id, ep.id, { since: new Date(Date.now() - 1000) })),
    ).toBe(403);
    // Nothing changed.
    expect(await svix.endpoint.get(app.id, ep.id)).toMatchObject({ disabled: false });
    expect((await svix.endpoint.getHeaders(app.id, ep.id)).headers).toEqual({});
  });

  it('each capability opens its routes only; no capabilities means all of them', async () => {
    const app = await svix.application.create({ name: 'Capabilities' });
    const ep = await svix.endpoint.create(app.id, { url: `${receiver.url}/cap` });
    const since = new Date(Date.now() - 1000);

    const secretOnly = (
      await portal(app.id, { capabilities: [AppPortalCapability.ViewEndpointSecret] })
    ).client;
    expect((await secretOnly.endpoint.getSecret(app.id, ep.id)).key).toMatch(/^whsec_/);
    expect(await status(secretOnly.endpoint.rotateSecret(app.id, ep.id, {}))).toBe(403);
    expect(await status(secretOnly.endpoint.patch(app.id, ep.id, { description: 'x' }))).toBe(403);

    const rotator = (
      await portal(app.id, { capabilities: [AppPortalCapability.ManageEndpointSecret] })
    ).client;
    expect(await status(rotator.endpoint.rotateSecret(app.id, ep.id, {}))).toBe(200);
    expect(await status(rotator.endpoint.getSecret(app.id, ep.id))).toBe(200);
    expect(await status(rotator.endpoint.recover(app.id, ep.id, { since }))).toBe(403);

    const attempts = (await portal(app.id, { capabilities: [AppPortalCapability.CreateAttempts] }))
      .client;
    expect(await status(attempts.endpoint.recover(app.id, ep.id, { since }))).toBe(200);
    expect(await status(attempts.endpoint.replayMissing(app.id, ep.id, { since }))).toBe(200);
    expect(await status(attempts.endpoint.getSecret(app.id, ep.id))).toBe(403);
    expect(await status(attempts.endpoint.create(app.id, { url: `${receiver.url}/y` }))).toBe(403);

    const manager = (await portal(app.id, { capabilities: [AppPortalCapability.ManageEndpoint] }))
      .client;
    const made = await manager.endpoint.create(app.id, { url: `${receiver.url}/made` });
    expect(await status(manager.endpoint.getSecret(app.id, made.id))).toBe(200);
    expect(await status(manager.endpoint.recover(app.id, made.id, { since }))).toBe(403);

    const everything = (await portal(app.id, {})).client;
    expect(await status(everything.endpoint.getSecret(app.id, ep.id))).toBe(200);
    expect(await status(everything.endpoint.recover(app.id, ep.id, { since }))).toBe(200);
    expect(await status(everything.endpoint.delete(app.id, made.id))).toBe(200);

    const refused = await tenantHttp.post(`/api/v1/auth/app-portal-access/${app.id}`, {
      capabilities: ['ViewBase', 'Everything'],
    });
    expect(refused.status).toBe(422);
    expect(refused.json()).toMatchObject({
      code: 'validation',
      detail: [expect.objectContaining({ loc: ['body', 'capabilities', 1] })],
    });
  });
});

describe('ending portal sessions', () => {
  it('logout revokes the token in use on every API instance, and only that token', async () => {
    const app = await svix.application.create({ name: 'Logout' });
    const first = await portal(app.id, {});
    const second = await portal(app.id, {});
    const onOther = new Svix(first.access.token, { serverUrl: other.url });
    expect((await onOther.application.get(app.id)).id).toBe(app.id);

    await first.client.authentication.logout();
    expect(await status(first.client.application.get(app.id))).toBe(401);
    expect(await status(onOther.application.get(app.id))).toBe(401);
    expect((await second.client.application.get(app.id)).id).toBe(app.id);
  });

  it('expireAll revokes every token of the application (or of the named sessions) on every instance', async () => {
    const app = await svix.application.create({ name: 'Expire all' });
    const otherApp = await svix.application.create({ name: 'Untouched' });
    const a = await portal(app.id, { sessionId: 'session-a' }, other.url);
    const b = await portal(app.id, { sessionId: 'session-b' }, other.url);
    const c = await portal(app.id, {}, other.url);
    const untouched = await portal(otherApp.id, {}, other.url);

    await svix.authentication.expireAll(app.id, { sessionIds: ['session-a'] });
    expect(await status(a.client.application.get(app.id))).toBe(401);
    expect(await status(b.client.application.get(app.id))).toBe(200);
    expect(await status(c.client.application.get(app.id))).toBe(200);

    await svix.authentication.expireAll(app.id, {});
    expect(await status(b.client.application.get(app.id))).toBe(401);
    expect(await status(c.client.application.get(app.id))).toBe(401);
    expect(await status(untouched.client.application.get(otherApp.id))).toBe(200);

    // A token issued after expire-all works.
    const fresh = await portal(app.id, {}, other.url);
    expect(await status(fresh.client.application.get(app.id))).toBe(200);

    // With a delay, the tokens keep working until it has passed.
    await svix.authentication.expireAll(app.id, { expiry: 3600 });
    expect(await status(fresh.client.application.get(app.id))).toBe(200);
  });

  it('a revocation older than the longest token life is removed by the next one', async () => {
    const app = await svix.application.create({ name: 'Prune' });
    const tenantId = (
      await env.sql.query<{ tenant_id: string }>(
        'select tenant_id from applications where id = $1',
        [app.id],
      )
    ).rows[0]?.tenant_id;
    await env.sql.query(
      `insert into portal_token_revocations (tenant_id, app_id, issued_before, effective_at)
       values ($1, $2, now() - interval '8 days', now() - interval '8 days'),
              ($1, $2, now() - interval '6 days', now() - interval '6 days')`,
      [tenantId, app.id],
    );
    await svix.authentication.expireAll(app.id, {});
    const { rows } = await env.sql.query<{ age: string }>(
      `select case when issued_before < now() - interval '7 days' then 'old' else 'recent' end as age
         from portal_token_revocations where app_id = $1 order by issued_before`,
      [app.id],
    );
    expect(rows.map((r) => r.age)).toEqual(['recent', 'recent']);
  });

  it("the portal URL names the application and opens the portal's page", async () => {
    const app = await svix.application.create({ name: 'Page' });
    const { access } = await portal(app.id, {});
    // The link names the configured public URL; the test reaches the same path on its port.
    const link = new URL(access.url);
    expect(link.pathname).toBe(`/dashboard/portal/${app.id}`);
    expect(link.hash).toBe(`#token=${access.token}`);
    const page = await fetch(`${api.url}${link.pathname}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    // No origin was allowed to frame this tenant's portal.
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(await page.text()).toContain('<div id="root">');
  });
});

describe('background tasks, replay-missing and bulk replay', () => {
  it('recover, replayMissing and bulkReplay are tasks that backgroundTask get and list show in Svix enums', async () => {
    // A tenant of its own, so that the task list holds this test's tasks only.
    const tenant = await api.newTenant('Tasks');
    const svix = new Svix(tenant.apiKey, { serverUrl: api.url });
    await svix.eventType.create({ name: 'invoice.paid', description: 'paid' });
    await svix.eventType.create({ name: 'invoice.voided', description: 'voided' });
    const app = await svix.application.create({ name: 'Tasks' });
    const early = await svix.message.create(app.id, {
      eventType: 'invoice.paid',
      payload: { n: 0 },
    });
    const since = new Date(Date.now() - 60_000);
    const ep = await svix.endpoint.create(app.id, {
      url: `${receiver.url}/tasks`,
      eventTypes: ['invoice.paid'],
    });
    const voided = await svix.message.create(app.id, { eventType: 'invoice.voided', payload: {} });

    // replay-missing: the message sent before the endpoint existed, not the filtered-out one.
    const replay = await svix.endpoint.replayMissing(app.id, ep.id, { since });
    expect(replay).toMatchObject({
      task: BackgroundTaskType.EndpointReplay,
      status: BackgroundTaskStatus.Finished,
    });
    const [request] = await receiver.waitForRequests(1, '/tasks');
    const { key } = await svix.endpoint.getSecret(app.id, ep.id);
    expect(verifyDelivery(request, key)).toEqual({ n: 0 });
    expect(request?.headers['webhook-id']).toBe(early.id);
    const again = await svix.endpoint.replayMissing(app.id, ep.id, { since });
    expect((await svix.backgroundTask.get(again.id)).data).toMatchObject({ total: 0 });
    expect(await svix.messageAttempt.listAttemptedDestinations(app.id, voided.id)).toMatchObject({
      data: [],
    });

    // bulk replay re-sends the failed deliveries of the endpoint.
    receiver.answer((req) =>
      req.path === '/tasks' ? { status: 500 } : { status: 200, body: 'ok' },
    );
    const failing = await svix.message.create(app.id, {
      eventType: 'invoice.paid',
      payload: { n: 1 },
    });
    await waitFor('the message to fail for good', async () => {
      const list = await svix.messageAttempt.listAttemptedDestinations(app.id, failing.id);
      return list.data[0]?.status === MessageStatus.Fail;
    });
    receiver.answer(() => ({ status: 200, body: 'ok' }));
    const bulk = await svix.endpoint.bulkReplay(app.id, ep.id, {
      since,
      eventTypes: ['invoice.paid'],
    });
    expect(bulk).toMatchObject({ task: BackgroundTaskType.EndpointBulkReplay });
    await waitFor('the failed message to be delivered again', async () => {
      const list = await svix.messageAttempt.listAttemptedDestinations(app.id, failing.id);
      return list.data[0]?.status === MessageStatus.Success;
    });
    const done = await waitFor('the bulk replay to finish', async () => {
      const task = await svix.backgroundTask.get(bulk.id);
      return task.status === BackgroundTaskStatus.Finished ? task : undefined;
    });
    expect(done).toMatchObject({ id: bulk.id, data: { total: 1, queued: 1 } });
    const unsupported = await status(
      svix.endpoint.bulkReplay(app.id, ep.id, { since, status: MessageStatus.Success }),
    );
    expect(unsupported).toBe(422);

    const recover = await svix.endpoint.recover(app.id, ep.id, { since });
    expect(recover.task).toBe(BackgroundTaskType.EndpointRecover);

    const all = await svix.backgroundTask.list();
    expect(all.data.map((t) => t.id)).toEqual([recover.id, bulk.id, again.id, replay.id]);
    for (const task of all.data) {
      expect(Object.values(BackgroundTaskType)).toContain(task.task);
      expect(Object.values(BackgroundTaskStatus)).toContain(task.status);
    }
    const replays = await svix.backgroundTask.list({ task: BackgroundTaskType.EndpointReplay });
    expect(replays.data.map((t) => t.id)).toEqual([again.id, replay.id]);
    const finished = await svix.backgroundTask.list({ status: BackgroundTaskStatus.Finished });
    expect(finished.data.map((t) => t.id)).toEqual(expect.arrayContaining([bulk.id, replay.id]));
    expect(await status(svix.backgroundTask.get('task_nosuch'))).toBe(404);
  });
});
