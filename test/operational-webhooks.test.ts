import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver, type ReceivedRequest } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const env = useTestEnv();
const api = useTestApi(env);
useTestWorker(env, {
  HOOKRAIL_RETRY_SCHEDULE: '0.05,0.05,0.05,0.05,0.05',
  HOOKRAIL_BREAKER_FAILURES: '1000',
  HOOKRAIL_DISABLE_AFTER: '1s',
});
const receiver = useReceiver();

interface Event {
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

let client: HttpClient;
let opsSecret: string;
beforeAll(async () => {
  client = (await api.newTenant()).client;
  const ops = await client.post('/api/v1/operational-webhook/endpoint', {
    url: `${receiver.url}/ops`,
  });
  expect(ops.status).toBe(201);
  const id = ops.json<{ id: string }>().id;
  opsSecret = (await client.get(`/api/v1/operational-webhook/endpoint/${id}/secret`)).json<{
    key: string;
  }>().key;
});

function verified(request: ReceivedRequest): Event {
  const headers = Object.fromEntries(
    ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [
      h,
      String(request.headers[h]),
    ]),
  );
  return new Webhook(opsSecret).verify(request.body, headers) as Event;
}

/** The operational events received so far, each signature checked. */
function events(): Event[] {
  return receiver.requestsTo('/ops').map(verified);
}

async function eventFor(
  type: string,
  match: (data: Record<string, unknown>) => boolean,
): Promise<Event> {
  return waitFor(`a ${type} event`, () => events().find((e) => e.type === type && match(e.data)));
}

async function newEndpoint(path: string) {
  const app = (
    await client.post('/api/v1/app', { name: path, uid: `app${path.replaceAll('/', '-')}` })
  ).json<{
    id: string;
  }>();
  const ep = (
    await client.post(`/api/v1/app/${app.id}/endpoint`, {
      url: `${receiver.url}${path}`,
      uid: 'ep',
    })
  ).json<{
    id: string;
  }>();
  return { appId: app.id, endpointId: ep.id };
}

describe('operational webhooks', () => {
  it('tell the tenant, signed, when endpoints are created, updated and deleted', async () => {
    const { appId, endpointId } = await newEndpoint('/lifecycle');
    await client.patch(`/api/v1/app/${appId}/endpoint/${endpointId}`, { description: 'changed' });
    await client.delete(`/api/v1/app/${appId}/endpoint/${endpointId}`);
    for (const type of ['endpoint.created', 'endpoint.updated', 'endpoint.deleted']) {
      const event = await eventFor(type, (d) => d.endpointId === endpointId);
      expect(event.data).toEqual({ appId, appUid: 'app-lifecycle', endpointId, endpointUid: 'ep' });
    }
  });

  it('tell the tenant when an endpoint is disabled through the API (trigger manual) and enabled again, once each', async () => {
    const { appId, endpointId } = await newEndpoint('/manual');
    const ref = { appId, appUid: 'app-manual', endpointId, endpointUid: 'ep' };
    await client.patch(`/api/v1/app/${appId}/endpoint/${endpointId}`, { disabled: true });
    // Already disabled: a second write changes nothing and raises no second endpoint.disabled.
    await client.patch(`/api/v1/app/${appId}/endpoint/${endpointId}`, { disabled: true });
    const disabled = await eventFor('endpoint.disabled', (d) => d.endpointId === endpointId);
    expect(disabled.data).toEqual({ ...ref, failSince: null, trigger: 'manual' });
    await client.patch(`/api/v1/app/${appId}/endpoint/${endpointId}`, { disabled: false });
    const enabled = await eventFor('endpoint.enabled', (d) => d.endpointId === endpointId);
    expect(enabled.data).toEqual(ref);
    await eventFor('endpoint.updated', (d) => d.endpointId === endpointId);
    const ofEndpoint = (type: string) =>
      events().filter((e) => e.type === type && e.data.endpointId === endpointId);
    await waitFor('three endpoint.updated', () => ofEndpoint('endpoint.updated').length === 3);
    expect(ofEndpoint('endpoint.disabled')).toHaveLength(1);
    expect(ofEndpoint('endpoint.enabled')).toHaveLength(1);
  });

  it('410 Gone disables the endpoint at once, and the tenant receives endpoint.disabled', async () => {
    receiver.answer((req) =>
      req.path === '/gone' ? { status: 410, body: 'gone' } : { status: 200, body: 'ok' },
    );
    const { appId, endpointId } = await newEndpoint('/gone');
    await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: {} });
    const event = await eventFor('endpoint.disabled', (d) => d.endpointId === endpointId);
    expect(event.data).toMatchObject({ appId, endpointId, trigger: 'gone' });
    expect((await client.get(`/api/v1/app/${appId}/endpoint/${endpointId}`)).json()).toMatchObject({
      disabled: true,
      disabledReason: 'gone',
    });
    // One request, not retried; new messages create no deliveries for it.
    expect(receiver.requestsTo('/gone')).toHaveLength(1);
    const later = (
      await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: {} })
    ).json<{ id: string }>();
    expect(
      (await client.get(`/api/v1/app/${appId}/msg/${later.id}/endpoint`)).json(),
    ).toMatchObject({ data: [] });

    // Re-enabling is an API call; the endpoint starts afresh.
    receiver.answer(() => ({ status: 200, body: 'ok' }));
    const enabled = await client.patch(`/api/v1/app/${appId}/endpoint/${endpointId}`, {
      disabled: false,
    });
    expect(enabled.json()).toMatchObject({
      disabled: false,
      disabledReason: null,
      consecutiveFailures: 0,
    });
    await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: {} });
    await receiver.waitForRequests(2, '/gone');
  });

  it('a delivery failing 4 times raises message.attempt.failing, then .exhausted; a late success raises .recovered', async () => {
    receiver.answer((req) =>
      req.path === '/failing' ? { status: 500 } : { status: 200, body: 'ok' },
    );
    const { appId, endpointId } = await newEndpoint('/failing');
    const msg = (
      await client.post(`/api/v1/app/${appId}/msg`, {
        eventType: 'a.b',
        payload: {},
        eventId: 'evt-1',
      })
    ).json<{
      id: string;
    }>();
    const failing = await eventFor('message.attempt.failing', (d) => d.msgId === msg.id);
    expect(failing.data).toMatchObject({
      appId,
      msgId: msg.id,
      msgEventId: 'evt-1',
      endpointId,
      lastAttempt: { id: expect.stringMatching(/^atmpt_/), responseStatusCode: 500 },
    });
    await eventFor('message.attempt.exhausted', (d) => d.msgId === msg.id);

    // A second message fails 4 times, then succeeds on the 5th attempt.
    let tries = 0;
    receiver.answer((req) =>
      req.path === '/failing' && ++tries <= 4 ? { status: 500 } : { status: 200, body: 'ok' },
    );
    await client.patch(`/api/v1/app/${appId}/endpoint/${endpointId}`, { disabled: false });
    const second = (
      await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: {} })
    ).json<{ id: string }>();
    const recovered = await eventFor('message.attempt.recovered', (d) => d.msgId === second.id);
    expect(recovered.data).toMatchObject({
      msgId: second.id,
      lastAttempt: { responseStatusCode: 200 },
    });
  });

  it('an endpoint failing for HOOKRAIL_DISABLE_AFTER is disabled, with trigger automatic', async () => {
    receiver.answer((req) =>
      req.path === '/dead' ? { status: 500 } : { status: 200, body: 'ok' },
    );
    const { appId, endpointId } = await newEndpoint('/dead');
    // Keep it failing past the 1 s limit: each message gets 6 attempts 50 ms apart.
    const event = await waitFor('endpoint.disabled', async () => {
      await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: {} });
      return events().find(
        (e) => e.type === 'endpoint.disabled' && e.data.endpointId === endpointId,
      );
    });
    expect(event.data).toMatchObject({ trigger: 'automatic', failSince: expect.any(String) });
    expect((await client.get(`/api/v1/app/${appId}/endpoint/${endpointId}`)).json()).toMatchObject({
      disabled: true,
      disabledReason: 'failing',
    });
  });

  it('only event types listed in filterTypes reach an operational endpoint', async () => {
    const res = await client.post('/api/v1/operational-webhook/endpoint', {
      url: `${receiver.url}/ops-filtered`,
      filterTypes: ['endpoint.deleted'],
    });
    expect(res.status).toBe(201);
    const bad = await client.post('/api/v1/operational-webhook/endpoint', {
      url: `${receiver.url}/x`,
      filterTypes: ['invoice.paid'],
    });
    expect(bad.status).toBe(422);
    const { appId, endpointId } = await newEndpoint('/filtered');
    await client.delete(`/api/v1/app/${appId}/endpoint/${endpointId}`);
    const [request] = await receiver.waitForRequests(1, '/ops-filtered');
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({ type: 'endpoint.deleted' });
    const list = (await client.get('/api/v1/operational-webhook/endpoint')).json<{
      data: unknown[];
    }>();
    expect(list.data).toHaveLength(2);
    // The operational application never appears among the tenant's applications.
    const apps = (await client.get('/api/v1/app?limit=250')).json<{ data: { name: string }[] }>();
    expect(apps.data.map((a) => a.name)).not.toContain('Operational webhooks');
  });
});
