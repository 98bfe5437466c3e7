import { ApiException, MessageStatus, Ordering, Svix } from 'svix1';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { useReceiver } from './support/receiver.ts';
import { verifyDelivery } from './support/verify.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

// The official Svix client, pointed at Hookrail, drives every call below.
const env = useTestEnv();
const api = useTestApi(env);
useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: '0.1' });
const receiver = useReceiver();

let svix: Svix;
beforeAll(async () => {
  const tenant = await api.newTenant('Svix client');
  svix = new Svix(tenant.apiKey, { serverUrl: api.url });
});

/** The ApiException a call rejects with. */
async function apiError(
  call: Promise<unknown>,
): Promise<ApiException<{ code?: string; detail?: unknown }>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException)
      return error as ApiException<{ code?: string; detail?: unknown }>;
    throw error;
  }
  throw new Error('the call succeeded');
}

describe('application', () => {
  it('create, getOrCreate, get by id and uid, update, patch, delete', async () => {
    const app = await svix.application.create({
      name: 'Customer 1',
      uid: 'customer-1',
      metadata: { tier: 'gold' },
    });
    expect(app).toMatchObject({
      name: 'Customer 1',
      uid: 'customer-1',
      metadata: { tier: 'gold' },
    });
    expect(app.createdAt).toBeInstanceOf(Date);
    expect(Number.isNaN(app.createdAt.getTime())).toBe(false);

    const again = await svix.application.getOrCreate({ name: 'Ignored', uid: 'customer-1' });
    expect(again.id).toBe(app.id);
    const fresh = await svix.application.getOrCreate({ name: 'Customer 2', uid: 'customer-2' });
    expect(fresh.id).not.toBe(app.id);

    expect((await svix.application.get(app.id)).uid).toBe('customer-1');
    expect((await svix.application.get('customer-1')).id).toBe(app.id);

    const updated = await svix.application.update('customer-1', {
      name: 'Renamed',
      uid: 'customer-1',
      throttleRate: 5,
    });
    expect(updated).toMatchObject({ name: 'Renamed', throttleRate: 5, metadata: {} });
    const patched = await svix.application.patch(app.id, { metadata: { tier: 'silver' } });
    expect(patched).toMatchObject({ name: 'Renamed', metadata: { tier: 'silver' } });

    await svix.application.delete(fresh.id);
    const gone = await apiError(svix.application.get(fresh.id));
    expect(gone.code).toBe(404);
    expect(gone.body.code).toBe('not_found');
  });

  it('list pages through every application in both orders', async () => {
    const tenant = await api.newTenant('Paging');
    const client = new Svix(tenant.apiKey, { serverUrl: api.url });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await client.application.create({ name: `p${i}` })).id);

    const seen: string[] = [];
    let iterator: string | undefined;
    for (;;) {
      const page = await client.application.list({ limit: 2, ...(iterator && { iterator }) });
      seen.push(...page.data.map((a) => a.id));
      if (page.done) break;
      iterator = page.iterator ?? undefined;
    }
    expect(seen).toEqual(ids);
    const descending = await client.application.list({ limit: 10, order: Ordering.Descending });
    expect(descending.data.map((a) => a.id)).toEqual([...ids].reverse());
  });
});

describe('eventType', () => {
  it('create (duplicate 409), get, list with archived, update, patch, delete and expunge', async () => {
    const created = await svix.eventType.create({
      name: 'user.signup',
      description: 'A user signed up',
    });
    expect(created).toMatchObject({ name: 'user.signup', archived: false, deprecated: false });
    const duplicate = await apiError(
      svix.eventType.create({ name: 'user.signup', description: 'again' }),
    );
    expect(duplicate.code).toBe(409);
    expect(duplicate.body.code).toBe('conflict');

    expect((await svix.eventType.get('user.signup')).description).toBe('A user signed up');
    const updated = await svix.eventType.update('user.signup', {
      description: 'Signed up',
      deprecated: true,
    });
    expect(updated).toMatchObject({ description: 'Signed up', deprecated: true });
    const patched = await svix.eventType.patch('user.signup', { featureFlag: 'beta' });
    expect(patched).toMatchObject({ description: 'Signed up', featureFlag: 'beta' });

    await svix.eventType.create({ name: 'user.gone', description: 'To archive' });
    await svix.eventType.delete('user.gone');
    const live = await svix.eventType.list({ limit: 250 });
    expect(live.data.map((t) => t.name)).not.toContain('user.gone');
    const all = await svix.eventType.list({ limit: 250, includeArchived: true });
    expect(all.data.find((t) => t.name === 'user.gone')?.archived).toBe(true);
    await svix.eventType.delete('user.gone', { expunge: true });
    expect((await apiError(svix.eventType.get('user.gone'))).code).toBe(404);
  });
});

describe('endpoint', () => {
  let appId: string;
  beforeAll(async () => {
    appId = (await svix.application.create({ name: 'Endpoints' })).id;
    for (const name of ['invoice.paid', 'invoice.voided']) {
      await svix.eventType.create({ name, description: name });
    }
  });

  it('create, get, list, update, patch (filterTypes keeps channels), delete', async () => {
    const ep = await svix.endpoint.create(appId, {
      url: `${receiver.url}/ep`,
      filterTypes: ['invoice.paid'],
      channels: ['project_1'],
      rateLimit: 10,
      uid: 'main',
    });
    expect(ep).toMatchObject({
      filterTypes: ['invoice.paid'],
      channels: ['project_1'],
      rateLimit: 10,
      version: 1,
    });
    expect((await svix.endpoint.get(appId, 'main')).id).toBe(ep.id);
    expect((await svix.endpoint.list(appId)).data.map((e) => e.id)).toContain(ep.id);

    const patched = await svix.endpoint.patch(appId, ep.id, {
      filterTypes: ['invoice.paid', 'invoice.voided'],
    });
    expect(patched).toMatchObject({
      filterTypes: ['invoice.paid', 'invoice.voided'],
      channels: ['project_1'],
    });
    const replaced = await svix.endpoint.update(appId, ep.id, {
      url: `${receiver.url}/ep2`,
      description: 'Replaced',
    });
    expect(replaced).toMatchObject({
      url: `${receiver.url}/ep2`,
      description: 'Replaced',
      channels: null,
    });

    const bad = await apiError(svix.endpoint.create(appId, { url: 'ftp://nope' }));
    expect(bad.code).toBe(422);
    expect(bad.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'url'] })]);

    await svix.endpoint.delete(appId, ep.id);
    expect((await apiError(svix.endpoint.get(appId, ep.id))).code).toBe(404);
  });

  it('getSecret, rotateSecret (the new secret is current), headers with sensitive values hidden', async () => {
    const ep = await svix.endpoint.create(appId, { url: `${receiver.url}/secret` });
    const before = await svix.endpoint.getSecret(appId, ep.id);
    expect(before.key).toMatch(/^whsec_/);
    await svix.endpoint.rotateSecret(appId, ep.id, {});
    const after = await svix.endpoint.getSecret(appId, ep.id);
    expect(after.key).toMatch(/^whsec_/);
    expect(after.key).not.toBe(before.key);
    await svix.endpoint.rotateSecret(appId, ep.id, {
      key: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
    });
    expect((await svix.endpoint.getSecret(appId, ep.id)).key).toBe(
      'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD',
    );

    await svix.endpoint.updateHeaders(appId, ep.id, {
      headers: { 'x-tenant': 'acme', authorization: 'Bearer s3cret' },
    });
    const headers = await svix.endpoint.getHeaders(appId, ep.id);
    expect(headers).toEqual({ headers: { 'x-tenant': 'acme' }, sensitive: ['authorization'] });
    expect(JSON.stringify(headers)).not.toContain('s3cret');
    await svix.endpoint.patchHeaders(appId, ep.id, {
      headers: { 'x-region': 'eu' },
      deleteHeaders: ['x-tenant'],
    });
    expect(await svix.endpoint.getHeaders(appId, ep.id)).toEqual({
      headers: { 'x-region': 'eu' },
      sensitive: ['authorization'],
    });
  });

  it('sendExample delivers to that endpoint only; getStats counts its deliveries', async () => {
    await svix.eventType.update('invoice.paid', {
      description: 'paid',
      schemas: { '1': { type: 'object', examples: [{ invoiceId: 'inv_example', amount: 100 }] } },
    });
    const target = await svix.endpoint.create(appId, { url: `${receiver.url}/example` });
    const other = await svix.endpoint.create(appId, { url: `${receiver.url}/not-this-one` });
    const message = await svix.endpoint.sendExample(appId, target.id, {
      eventType: 'invoice.paid',
    });
    expect(message).toMatchObject({
      eventType: 'invoice.paid',
      payload: { invoiceId: 'inv_example', amount: 100 },
    });
    const [request] = await receiver.waitForRequests(1, '/example');
    const { key } = await svix.endpoint.getSecret(appId, target.id);
    expect(verifyDelivery(request, key)).toEqual({ invoiceId: 'inv_example', amount: 100 });
    const stats = await waitFor('the example to be counted', async () => {
      const s = await svix.endpoint.getStats(appId, target.id);
      return s.success === 1 ? s : undefined;
    });
    expect(stats).toEqual({ success: 1, pending: 0, sending: 0, fail: 0, canceled: 0 });
    expect(receiver.requestsTo('/not-this-one')).toEqual([]);
    expect(await svix.endpoint.getStats(appId, other.id)).toMatchObject({ success: 0, pending: 0 });
  });

  it('recover re-sends exactly the failed deliveries', async () => {
    const ep = await svix.endpoint.create(appId, { url: `${receiver.url}/recover` });
    let healthy = false;
    receiver.answer((req) =>
      req.path === '/recover' && !healthy
        ? { status: 500, body: 'down' }
        : { status: 200, body: 'ok' },
    );
    const since = new Date(Date.now() - 1000);
    const failing = await svix.message.create(appId, {
      eventType: 'invoice.voided',
      payload: { n: 1 },
    });
    const destination = async (msgId: string) =>
      (await svix.messageAttempt.listAttemptedDestinations(appId, msgId)).data.find(
        (d) => d.id === ep.id,
      );
    await waitFor(
      'the message to fail for good',
      async () => (await destination(failing.id))?.status === MessageStatus.Fail,
    );
    healthy = true;
    const ok = await svix.message.create(appId, { eventType: 'invoice.voided', payload: { n: 2 } });
    await waitFor(
      'the second message to succeed',
      async () => (await destination(ok.id))?.status === MessageStatus.Success,
    );
    const before = receiver.requestsTo('/recover').length;

    const task = await svix.endpoint.recover(appId, ep.id, { since });
    expect(task).toMatchObject({ task: 'endpoint.recover', id: expect.stringMatching(/^task_/) });
    await waitFor(
      'the failed message to be delivered again',
      async () => (await destination(failing.id))?.status === MessageStatus.Success,
    );
    const resent = receiver.requestsTo('/recover').slice(before);
    expect(resent.map((r) => r.headers['webhook-id'])).toEqual([failing.id]);
    const attempts = await svix.messageAttempt.listByMsg(appId, failing.id, { endpointId: ep.id });
    expect(attempts.data.map((a) => [a.status, a.triggerType])).toEqual([
      [0, 1],
      [2, 0],
      [2, 0],
    ]);
    receiver.answer(() => ({ status: 200, body: 'ok' }));
  });
});

describe('message and messageAttempt', () => {
  it('create with an inline application, get, list with filters', async () => {
    const created = await svix.message.create('made-inline', {
      eventType: 'order.created',
      payload: { orderId: 'o_1' },
      channels: ['eu'],
      application: { name: 'Made inline' },
    });
    expect(created).toMatchObject({ eventType: 'order.created', payload: { orderId: 'o_1' } });
    expect((await svix.application.get('made-inline')).name).toBe('Made inline');
    await svix.message.create('made-inline', {
      eventType: 'order.paid',
      payload: { orderId: 'o_1' },
      eventId: 'o_1-paid',
    });

    const got = await svix.message.get('made-inline', created.id);
    expect(got).toMatchObject({ id: created.id, payload: { orderId: 'o_1' }, channels: ['eu'] });
    expect(got.timestamp).toBeInstanceOf(Date);
    expect((await svix.message.get('made-inline', 'o_1-paid')).eventType).toBe('order.paid');

    const all = await svix.message.list('made-inline');
    expect(all.data.map((m) => m.eventType)).toEqual(['order.paid', 'order.created']);
    const byType = await svix.message.list('made-inline', { eventTypes: ['order.created'] });
    expect(byType.data.map((m) => m.id)).toEqual([created.id]);
    expect(
      (await svix.message.list('made-inline', { channel: 'eu' })).data.map((m) => m.id),
    ).toEqual([created.id]);
    const before = await svix.message.list('made-inline', { before: got.timestamp });
    expect(before.data).toEqual([]);
    const after = await svix.message.list('made-inline', {
      after: new Date(got.timestamp.getTime() - 1),
    });
    expect(after.data).toHaveLength(2);
    const bare = await svix.message.list('made-inline', { withContent: false });
    expect(bare.data[0]?.payload).toEqual({});
  });

  it('listByEndpoint, listByMsg, listAttemptedDestinations, get and resend (manual, not retried)', async () => {
    const app = await svix.application.create({ name: 'Attempts' });
    const ep = await svix.endpoint.create(app.id, { url: `${receiver.url}/attempts` });
    const msg = await svix.message.create(app.id, { eventType: 'thing.done', payload: { n: 1 } });
    const [destination] = await waitFor('the delivery to succeed', async () => {
      const list = (await svix.messageAttempt.listAttemptedDestinations(app.id, msg.id)).data;
      return list[0]?.status === MessageStatus.Success ? list : undefined;
    });
    expect(destination).toMatchObject({
      id: ep.id,
      url: `${receiver.url}/attempts`,
      statusText: 'success',
    });

    const byMsg = await svix.messageAttempt.listByMsg(app.id, msg.id);
    expect(byMsg.data).toEqual([
      expect.objectContaining({
        msgId: msg.id,
        endpointId: ep.id,
        responseStatusCode: 200,
        status: 0,
        triggerType: 0,
      }),
    ]);
    const byEndpoint = await svix.messageAttempt.listByEndpoint(app.id, ep.id, {
      status: MessageStatus.Success,
    });
    expect(byEndpoint.data.map((a) => a.id)).toEqual(byMsg.data.map((a) => a.id));
    const first = byMsg.data[0];
    if (first === undefined) throw new Error('no attempt');
    expect((await svix.messageAttempt.get(app.id, msg.id, first.id)).id).toBe(first.id);

    receiver.answer((req) =>
      req.path === '/attempts' ? { status: 500, body: 'no' } : { status: 200, body: 'ok' },
    );
    const before = receiver.requestsTo('/attempts').length;
    await svix.messageAttempt.resend(app.id, msg.id, ep.id);
    const attempts = await waitFor('the manual attempt', async () => {
      const list = (await svix.messageAttempt.listByMsg(app.id, msg.id)).data;
      return list.length === 2 ? list : undefined;
    });
    expect(attempts[0]).toMatchObject({ triggerType: 1, status: 2, responseStatusCode: 500 });
    await waitFor('the delivery to be final again', async () => {
      const [d] = (await svix.messageAttempt.listAttemptedDestinations(app.id, msg.id)).data;
      return d?.status === MessageStatus.Fail;
    });
    // A manual attempt is made once: nothing more reaches the receiver, and no third attempt.
    expect(receiver.requestsTo('/attempts').length - before).toBe(1);
    expect((await svix.messageAttempt.listByMsg(app.id, msg.id)).data).toHaveLength(2);
    receiver.answer(() => ({ status: 200, body: 'ok' }));
  });

  it("delivers payloads that standardwebhooks and both clients' verifiers accept with the secret getSecret returns", async () => {
    const app = await svix.application.create({ name: 'Verify' });
    const ep = await svix.endpoint.create(app.id, { url: `${receiver.url}/verify` });
    const { key } = await svix.endpoint.getSecret(app.id, ep.id);
    await svix.message.create(app.id, { eventType: 'x.y', payload: { ok: true } });
    const [request] = await receiver.waitForRequests(1, '/verify');
    expect(verifyDelivery(request, key)).toEqual({ ok: true });
  });
});

describe('authentication', () => {
  it('appPortalAccess gives a token limited to one application, and a dashboard URL', async () => {
    const mine = await svix.application.create({ name: 'Portal app', uid: 'portal-app' });
    const other = await svix.application.create({ name: 'Someone else' });
    // With the flag of the tenant's flagged event type (user.signup), so it sees every type.
    const access = await svix.authentication.appPortalAccess('portal-app', {
      featureFlags: ['beta'],
    });
    expect(access.url).toBe(
      `${api.config.publicUrl}/dashboard/portal/${mine.id}#token=${access.token}`,
    );

    const portal = new Svix(access.token, { serverUrl: api.url });
    expect((await portal.application.get('portal-app')).id).toBe(mine.id);
    const ep = await portal.endpoint.create(mine.id, { url: `${receiver.url}/portal` });
    expect((await portal.endpoint.list(mine.id)).data.map((e) => e.id)).toEqual([ep.id]);
    expect((await apiError(portal.application.get(other.id))).code).toBe(404);
    expect((await apiError(portal.endpoint.list(other.id))).code).toBe(404);
    expect((await apiError(portal.application.list())).code).toBe(403);
    // The event-type catalogue is the tenant's, and a portal may read it, never change it.
    expect((await portal.eventType.list()).data.map((t) => t.name)).toEqual(
      (await svix.eventType.list()).data.map((t) => t.name),
    );
    expect(
      (await apiError(portal.eventType.create({ name: 'portal.made', description: '' }))).code,
    ).toBe(403);
    expect((await apiError(portal.application.create({ name: 'x' }))).code).toBe(403);
    expect(
      (await apiError(portal.message.create(mine.id, { eventType: 'a', payload: {} }))).code,
    ).toBe(403);
    expect((await apiError(portal.authentication.appPortalAccess(other.id, {}))).code).toBe(403);
  });
});

describe('health', () => {
  it('health.get answers', async () => {
    await expect(svix.health.get()).resolves.toBeUndefined();
  });
});

describe('1.x-only names', () => {
  it('dashboardAccess issues a working portal token; the filter reads back as filterTypes and eventTypes', async () => {
    const app = await svix.application.create({ name: 'Dashboard access' });
    const access = await svix.authentication.dashboardAccess(app.id);
    expect(new URL(access.url).pathname).toBe(`/dashboard/portal/${app.id}`);
    const portal = new Svix(access.token, { serverUrl: api.url });
    expect((await portal.application.get(app.id)).id).toBe(app.id);
    await svix.eventType.create({ name: 'legacy.event', description: 'legacy' });
    const ep = await portal.endpoint.create(app.id, {
      url: `${receiver.url}/legacy`,
      filterTypes: ['legacy.event'],
    });
    expect(ep.filterTypes).toEqual(['legacy.event']);
    expect((await svix.endpoint.get(app.id, ep.id)).filterTypes).toEqual(['legacy.event']);
    await portal.authentication.logout();
    expect((await apiError(portal.application.get(app.id))).code).toBe(401);
  });

  it('backgroundTask.get reads the task recover answered with, in Svix enums', async () => {
    const app = await svix.application.create({ name: 'Task 1.x' });
    const ep = await svix.endpoint.create(app.id, { url: `${receiver.url}/task1` });
    const task = await svix.endpoint.recover(app.id, ep.id, { since: new Date(Date.now() - 1000) });
    const got = await svix.backgroundTask.get(task.id);
    expect(got).toMatchObject({ id: task.id, task: 'endpoint.recover' });
    expect(['running', 'finished']).toContain(got.status);
  });
});
