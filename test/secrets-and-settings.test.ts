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
useTestWorker(env);
const receiver = useReceiver();

let client: HttpClient;
let tenantId: string;
let appId: string;
beforeAll(async () => {
  const tenant = await api.newTenant();
  client = tenant.client;
  tenantId = tenant.id;
  appId = (await client.post('/api/v1/app', { name: 'App' })).json<{ id: string }>().id;
});

function verifies(secret: string, request: ReceivedRequest, prefix = 'webhook'): boolean {
  try {
    new Webhook(secret).verify(request.body, {
      'webhook-id': String(request.headers[`${prefix}-id`]),
      'webhook-timestamp': String(request.headers[`${prefix}-timestamp`]),
      'webhook-signature': String(request.headers[`${prefix}-signature`]),
    });
    return true;
  } catch {
    return false;
  }
}

async function deliverOne(path: string): Promise<ReceivedRequest> {
  const count = receiver.requestsTo(path).length;
  await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: { at: Date.now() } });
  const requests = await receiver.waitForRequests(count + 1, path);
  const request = requests.at(-1);
  if (request === undefined) throw new Error('no request');
  return request;
}

describe('secret rotation', () => {
  it('signs with the old and the new secret during the grace period, and with the new one only after it', async () => {
    const ep = (
      await client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/rotate` })
    ).json<{
      id: string;
    }>();
    const secretPath = `/api/v1/app/${appId}/endpoint/${ep.id}/secret`;
    const oldSecret = (await client.get(secretPath)).json<{ key: string }>().key;

    const rotated = await client.post(`${secretPath}/rotate`, { gracePeriodSeconds: 2 });
    expect(rotated.status).toBe(204);
    const newSecret = (await client.get(secretPath)).json<{ key: string }>().key;
    expect(newSecret).not.toBe(oldSecret);

    const during = await deliverOne('/rotate');
    expect(String(during.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(oldSecret, during)).toBe(true);
    expect(verifies(newSecret, during)).toBe(true);

    // The grace period ends when Postgres says the old secret is no longer live.
    await waitFor('the old secret to expire', async () => {
      const { rows } = await env.sql.query<{ n: number }>(
        'select count(*)::int as n from endpoint_secrets where endpoint_id = $1 and (expires_at is null or expires_at > now())',
        [ep.id],
      );
      return rows[0]?.n === 1;
    });
    const after = await deliverOne('/rotate');
    expect(String(after.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(newSecret, after)).toBe(true);
    expect(verifies(oldSecret, after)).toBe(false);
    await client.delete(`/api/v1/app/${appId}/endpoint/${ep.id}`);
  });

  it('refuses a grace period over 7 days and a malformed key', async () => {
    const ep = (
      await client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/r2` })
    ).json<{ id: string }>();
    const path = `/api/v1/app/${appId}/endpoint/${ep.id}/secret/rotate`;
    const tooLong = await client.post(path, { gracePeriodSeconds: 7 * 24 * 3600 + 1 });
    expect(tooLong.status).toBe(422);
    expect((await client.post(path, { key: 'not-a-secret' })).status).toBe(422);
    await client.delete(`/api/v1/app/${appId}/endpoint/${ep.id}`);
  });
});

describe('tenant settings', () => {
  it('svix header names, for receivers written for Svix', async () => {
    const ep = (
      await client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}/svix` })
    ).json<{
      id: string;
    }>();
    const secret = (await client.get(`/api/v1/app/${appId}/endpoint/${ep.id}/secret`)).json<{
      key: string;
    }>().key;
    const set = await api.admin.patch(`/api/v1/admin/tenants/${tenantId}`, {
      settings: { headerStyle: 'svix' },
    });
    expect(set.json()).toMatchObject({ settings: { headerStyle: 'svix', validateSchemas: false } });

    const request = await deliverOne('/svix');
    expect(request.headers['svix-id']).toMatch(/^msg_/);
    expect(request.headers['webhook-id']).toBeUndefined();
    expect(verifies(secret, request, 'svix')).toBe(true);

    await api.admin.patch(`/api/v1/admin/tenants/${tenantId}`, {
      settings: { headerStyle: 'webhook' },
    });
    const back = await deliverOne('/svix');
    expect(back.headers['webhook-id']).toMatch(/^msg_/);
    expect(back.headers['svix-id']).toBeUndefined();
    await client.delete(`/api/v1/app/${appId}/endpoint/${ep.id}`);
  });

  it('schema validation refuses payloads that do not match, naming the failing path', async () => {
    await client.post('/api/v1/event-type', {
      name: 'invoice.paid',
      description: 'paid',
      schemas: {
        '1': {
          type: 'object',
          required: ['invoiceId', 'amount'],
          properties: { invoiceId: { type: 'string' }, amount: { type: 'integer', minimum: 0 } },
        },
      },
    });
    const send = (payload: unknown) =>
      client.post(`/api/v1/app/${appId}/msg`, { eventType: 'invoice.paid', payload });
    // Stored but not enforced until the tenant turns validation on, as in Svix.
    expect((await send({ amount: 'lots' })).status).toBe(202);

    await api.admin.patch(`/api/v1/admin/tenants/${tenantId}`, {
      settings: { validateSchemas: true },
    });
    const missing = await send({ amount: 5 });
    expect(missing.status).toBe(422);
    expect(missing.json()).toMatchObject({
      code: 'validation',
      detail: [{ loc: ['body', 'payload', 'invoiceId'], msg: expect.stringContaining('required') }],
    });
    const wrongType = await send({ invoiceId: 'inv_1', amount: -3 });
    expect(wrongType.json()).toMatchObject({ detail: [{ loc: ['body', 'payload', 'amount'] }] });
    expect((await send({ invoiceId: 'inv_1', amount: 3 })).status).toBe(202);
    // Types without a schema are not checked.
    expect(
      (await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'free.form', payload: { x: 1 } }))
        .status,
    ).toBe(202);

    expect(
      (
        await api.admin.patch(`/api/v1/admin/tenants/${tenantId}`, {
          settings: { headerStyle: 'x' },
        })
      ).status,
    ).toBe(422);
    await api.admin.patch(`/api/v1/admin/tenants/${tenantId}`, {
      settings: { validateSchemas: false },
    });
  });
});
