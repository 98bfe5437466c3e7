import { ApiException, MessageStatus, Ordering, Svix } from 'svix';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { useReceiver } from './support/receiver.ts';
import { verifyDelivery } from './support/verify.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

// The current official Svix client (2.x), pointed at Hookrail, drives every call below.
const env = useTestEnv();
const api = useTestApi(env);
useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: '0.1' });
const receiver = useReceiver();

let svix: Svix;
beforeAll(async () => {
  const tenant = await api.newTenant('Svix 2.x client');
  svix = new Svix(tenant.apiKey, { serverUrl: api.url });
  for (const name of ['invoice.paid', 'invoice.voided', 'order.created']) {
    await svix.eventType.create({ name, description: name });
  }
});

/** The ApiException a call rejects with. */
async function apiError(call: Promise<unknown>): Promise<ApiException<{ code?: string }>> {
  try {
    await call;
  } catch (error) {
    if (error instanceof ApiException) return error as ApiException<{ code?: string }>;
    throw error;
  }
  throw new Error('the call succeeded');
}

/** The delivery status of a message for one endpoint, as listAttemptedDestinations shows it. */
async function statusAt(appId: string, msgId: string, endpointId: string) {
  const list = await svix.messageAttempt.listAttemptedDestinations(appId, msgId);
  return list.data.find((d) => d.id === endpointId)?.status;
}

describe('application (2.x)', () => {
  it('create, getOrCreate, get, upsert, patch, list and delete, with throttleRate read back', async () => {
    const app = await svix.application.create({
      name: 'Two',
      uid: 'two',
      throttleRate: 7,
      metadata: { tier: 'gold' },
    });
    expect(app).toMatchObject({
      name: 'Two',
      uid: 'two',
      throttleRate: 7,
      metadata: { tier: 'gold' },
    });
    expect(app.createdAt).toBeInstanceOf(Date);
    expect((await svix.application.getOrCreate({ name: 'Ignored', uid: 'two' })).id).toBe(app.id);
    expect((await svix.application.get('two')).throttleRate).toBe(7);
    const upserted = await svix.application.upsert('two', { name: 'Renamed', throttleRate: 9 });
    expect(upserted).toMatchObject({ id: app.id, name: 'Renamed', throttleRate: 9 });
    const created = await svix.application.upsert('made-by-upsert', { name: 'New' });
    expect(created).toMatchObject({ uid: 'made-by-upsert', name: 'New' });
    expect(await svix.application.patch(app.id, { metadata: { tier: 'silver' } })).toMatchObject({
      name: 'Renamed',
      metadata: { tier: 'silver' },
    });
    const list = await svix.application.list({ limit: 250, order: Ordering.Ascending });
    expect(list.data.map((a) => a.id)).toEqual(expect.arrayContaining([app.id, created.id]));
    await svix.application.delete(created.id);
    expect((await apiError(svix.application.get(created.id))).code).toBe(404);
  });
});

describe('eventType (2.x)', () => {
  it('create, get, upsert, patch, list with archived, delete and expunge', async () => {
    expect(
      await svix.eventType.create({ name: 'user.signup', description: 'Signed up' }),
    ).toMatchObject({
      name: 'user.signup',
      deprecated: false,
    });
    expect((await svix.eventType.get('user.signup')).description).toBe('Signed up');
    const upserted = await svix.eventType.upsert('user.signup', {
      description: 'A user signed up',
      deprecated: true,
    });
    expect(upserted).toMatchObject({ description: 'A user signed up', deprecated: true });
    expect(await svix.eventType.patch('user.signup', { deprecated: false })).toMatchObject({
      description: 'A user signed up',
      deprecated: false,
    });
    await svix.eventType.create({ name: 'user.gone', description: 'To archive' });
    await svix.eventType.delete('user.gone');
    expect((await svix.eventType.list({ limit: 250 })).data.map((t) => t.name)).not.toContain(
      'user.gone',
    );
    const all = await svix.eventType.list({ limit: 250, includeArchived: true });
    expect(all.data.find((t) => t.name === 'user.gone')?.archived).toBe(true);
    await svix.eventType.delete('user.gone', { expunge: true });
    expect((await apiError(svix.eventType.get('user.gone'))).code).toBe(404);
  });
});

describe('endpoint (2.x)', () => {
  let appId: string;
  beforeAll(async () => {
    appId = (await svix.application.create({ name: 'Endpoints 2.x' })).id;
  });

  it('create, get, list, upsert, patch and delete read the filter back as eventTypes', async () => {
    const ep = await svix.endpoint.create(appId, {
      url: `${receiver.url}/ep`,
      eventTypes: ['invoice.paid'],
      channels: ['project_1'],
      throttleRate: 10,
      uid: 'main',
      metadata: { team: 'billing' },
    });
    expect(ep).toMatchObject({
      eventTypes: ['invoice.paid'],
      channels: ['project_1'],
      throttleRate: 10,
      uid: 'main',
      metadata: { team: 'billing' },
    });
    expect((await svix.endpoint.get(appId, 'main')).eventTypes).toEqual(['invoice.paid']);
    const listed = (await svix.endpoint.list(appId)).data.find((e) => e.id === ep.id);
    expect(listed?.eventTypes).toEqual(['invoice.paid']);

    const patched = await svix.endpoint.patch(appId, ep.id, {
      eventTypes: ['invoice.paid', 'invoice.voided'],
    });
    expect(patched).toMatchObject({
      eventTypes: ['invoice.paid', 'invoice.voided'],
      channels: ['project_1'],
      throttleRate: 10,
    });
    const upserted = await svix.endpoint.upsert(appId, ep.id, {
      url: `${receiver.url}/ep2`,
      description: 'Replaced',
      eventTypes: ['invoice.voided'],
    });
    expect(upserted).toMatchObject({
      url: `${receiver.url}/ep2`,
      description: 'Replaced',
      eventTypes: ['invoice.voided'],
      channels: null,
    });
    const byUid = await svix.endpoint.upsert(appId, 'made-by-upsert', { url: `${receiver.url}/u` });
    expect(byUid.uid).toBe('made-by-upsert');

    const unknown = await apiError(
      svix.endpoint.create(appId, { url: `${receiver.url}/x`, eventTypes: ['no.such.type'] }),
    );
    expect(unknown.code).toBe(422);

    await svix.endpoint.delete(appId, ep.id);
    expect((await apiError(svix.endpoint.get(appId, ep.id))).code).toBe(404);
  });

  it('getSecret, rotateSecret, and headers set, patched and read back with sensitive ones hidden', async () => {
    const ep = await svix.endpoint.create(appId, { url: `${receiver.url}/secret` });
    const before = await svix.endpoint.getSecret(appId, ep.id);
    expect(before.key).toMatch(/^whsec_/);
    await svix.endpoint.rotateSecret(appId, ep.id, {});
    const after = await svix.endpoint.getSecret(appId, ep.id);
    expect(after.key).not.toBe(before.key);

    await svix.endpoint.setHeaders(appId, ep.id, {
      headers: { 'x-tenant': 'acme', authorization: 'Bearer s3cret' },
    });
    expect(await svix.endpoint.getHeaders(appId, ep.id)).toEqual({
      headers: { 'x-tenant': 'acme' },
      sensitive: ['authorization'],
    });
    await svix.endpoint.patchHeaders(appId, ep.id, {
      headers: { 'x-region': 'eu' },
      deleteHeaders: ['x-tenant'],
    });
    expect((await svix.endpoint.getHeaders(appId, ep.id)).headers).toEqual({ 'x-region': 'eu' });
  });

  it('sendExample reaches that endpoint signed; getStats counts it', async () => {
    const ep = await svix.endpoint.create(appId, { url: `${receiver.url}/example2` });
    const message = await svix.endpoint.sendExample(appId, ep.id, { eventType: 'invoice.paid' });
    expect(message.eventType).toBe('invoice.paid');
    const [request] = await receiver.waitForRequests(1, '/example2');
    const { key } = await svix.endpoint.getSecret(appId, ep.id);
    expect(verifyDelivery(request, key)).toEqual(message.payload);
    const stats = await waitFor('the example to be counted', async () => {
      const s = await svix.endpoint.getStats(appId, ep.id);
      return s.success === 1 ? s : undefined;
    });
    expect(stats).toEqual({ success: 1, pending: 0, sending: 0, fail: 0, canceled: 0 });
  });
});

describe('message and messageAttempt (2.x)', () => {
  it('create, get, list, precheck, the attempt log, resend, and the endpoint message list', async () => {
    const app = await svix.application.create({ name: 'Messages 2.x' });
    expect((await svix.message.precheck(app.id, { eventType: 'order.created' })).active).toBe(
      false,
    );
    const ep = await svix.endpoint.create(app.id, {
      url: `${receiver.url}/m2`,
      eventTypes: ['order.created'],
    });
    expect((await svix.message.precheck(app.id, { eventType: 'order.created' })).active).toBe(true);
    expect((await svix.message.precheck(app.id, { eventType: 'invoice.paid' })).active).toBe(false);

    const msg = await svix.message.create(app.id, {
      eventType: 'order.created',
      payload: { orderId: 'o_1' },
      eventId: 'o_1-created',
      tags: ['eu'],
    });
    expect(msg).toMatchObject({ eventType: 'order.created', eventId: 'o_1-created' });
    const skipped = await svix.message.create(app.id, { eventType: 'invoice.paid', payload: {} });
    // 2.x asks for content only when told to (with_content defaults to false).
    expect((await svix.message.get(app.id, 'o_1-created')).payload).toEqual({});
    expect((await svix.message.get(app.id, 'o_1-created', { withContent: true })).payload).toEqual({
      orderId: 'o_1',
    });
    expect((await svix.message.list(app.id)).data.map((m) => m.id)).toEqual([skipped.id, msg.id]);

    const [request] = await receiver.waitForRequests(1, '/m2');
    const { key } = await svix.endpoint.getSecret(app.id, ep.id);
    expect(verifyDelivery(request, key)).toEqual({ orderId: 'o_1' });
    await waitFor(
      'the delivery to succeed',
      async () => (await statusAt(app.id, msg.id, ep.id)) === MessageStatus.Success,
    );
    const destinations = await svix.messageAttempt.listAttemptedDestinations(app.id, msg.id);
    expect(destinations.data[0]).toMatchObject({
      id: ep.id,
      eventTypes: ['order.created'],
      statusText: 'success',
    });

    const attempted = await svix.messageAttempt.listAttemptedMessages(app.id, ep.id, {
      withContent: true,
    });
    expect(attempted.data).toEqual([
      expect.objectContaining({
        id: msg.id,
        eventType: 'order.created',
        payload: { orderId: 'o_1' },
        status: MessageStatus.Success,
        statusText: 'success',
      }),
    ]);
    const failedOnly = await svix.messageAttempt.listAttemptedMessages(app.id, ep.id, {
      status: MessageStatus.Fail,
    });
    expect(failedOnly.data).toEqual([]);

    const byMsg = await svix.messageAttempt.listByMsg(app.id, msg.id);
    expect(byMsg.data).toEqual([
      expect.objectContaining({ msgId: msg.id, endpointId: ep.id, responseStatusCode: 200 }),
    ]);
    const byEndpoint = await svix.messageAttempt.listByEndpoint(app.id, ep.id);
    expect(byEndpoint.data.map((a) => a.id)).toEqual(byMsg.data.map((a) => a.id));
    const first = byMsg.data[0];
    if (first === undefined) throw new Error('no attempt');
    expect((await svix.messageAttempt.get(app.id, msg.id, first.id)).response).toBe('ok');

    await svix.messageAttempt.resend(app.id, msg.id, ep.id);
    const requests = await receiver.waitForRequests(2, '/m2');
    expect(verifyDelivery(requests[1], key)).toEqual({ orderId: 'o_1' });
    await waitFor(
      'the manual attempt to be logged',
      async () => (await svix.messageAttempt.listByMsg(app.id, msg.id)).data.length === 2,
    );
  });

  it("expungeContent deletes a message's payload for good and an attempt's response body", async () => {
    const app = await svix.application.create({ name: 'Expunge' });
    const ep = await svix.endpoint.create(app.id, { url: `${receiver.url}/expunge` });
    const msg = await svix.message.create(app.id, {
      eventType: 'invoice.paid',
      payload: { card: '4242' },
    });
    await waitFor(
      'the delivery to succeed',
      async () => (await statusAt(app.id, msg.id, ep.id)) === MessageStatus.Success,
    );
    const [listed] = (await svix.messageAttempt.listByMsg(app.id, msg.id)).data;
    if (listed === undefined) throw new Error('no attempt');
    const attempt = await svix.messageAttempt.get(app.id, msg.id, listed.id);
    expect(attempt.response).toBe('ok');

    await svix.messageAttempt.expungeContent(app.id, msg.id, attempt.id);
    expect((await svix.messageAttempt.get(app.id, msg.id, attempt.id)).response).toBe('');
    await svix.message.expungeContent(app.id, msg.id);
    expect((await svix.message.get(app.id, msg.id, { withContent: true })).payload).toEqual({});
    const refused = await apiError(svix.messageAttempt.resend(app.id, msg.id, ep.id));
    expect(refused.code).toBe(409);
    expect((await apiError(svix.message.expungeContent(app.id, 'msg_nosuch'))).code).toBe(404);
  });
});

describe('operationalWebhookEndpoint (2.x)', () => {
  it('create, get, list, upsert, secret, headers and delete, with eventTypes read back', async () => {
    const ops = svix.operationalWebhook.endpoint;
    const ep = await ops.create({ url: `${receiver.url}/ops`, eventTypes: ['endpoint.created'] });
    expect(ep.eventTypes).toEqual(['endpoint.created']);
    expect((await ops.get(ep.id)).eventTypes).toEqual(['endpoint.created']);
    expect((await ops.list()).data.map((e) => e.id)).toContain(ep.id);
    const upserted = await ops.upsert(ep.id, {
      url: `${receiver.url}/ops2`,
      eventTypes: ['endpoint.deleted'],
    });
    expect(upserted).toMatchObject({
      url: `${receiver.url}/ops2`,
      eventTypes: ['endpoint.deleted'],
    });
    const before = await ops.getSecret(ep.id);
    await ops.rotateSecret(ep.id, {});
    expect((await ops.getSecret(ep.id)).key).not.toBe(before.key);
    await ops.setHeaders(ep.id, { headers: { 'x-ops': '1' } });
    expect((await ops.getHeaders(ep.id)).headers).toEqual({ 'x-ops': '1' });
    await ops.delete(ep.id);
    expect((await apiError(ops.get(ep.id))).code).toBe(404);
  });
});

describe('health and what Hookrail leaves out (2.x)', () => {
  it('health.get answers; integrations, statistics, streaming and bulk expunge answer 404 not_supported', async () => {
    await expect(svix.health.get()).resolves.toBeUndefined();
    const app = await svix.application.create({ name: 'Left out' });
    for (const call of [
      () => svix.integration.list(app.id),
      () => svix.statistics.aggregateEventTypes(),
      () => svix.streaming.sinkHeadersGet('strm_x', 'sink_x'),
      () => svix.environment.export(),
      () => svix.message.expungeAllContents(app.id),
      () => svix.message.bulkExpungeContent(app.id, {}),
    ]) {
      const error = await apiError(call());
      expect(error.code).toBe(404);
      expect(error.body.code).toBe('not_supported');
    }
    expect((await apiError(svix.application.get('no-such-app'))).body.code).toBe('not_found');
  });
});
