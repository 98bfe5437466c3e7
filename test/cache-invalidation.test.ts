import { describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';
import { waitFor } from './support/wait.ts';

// Two API instances over one Postgres and one Redis, each caching keys, tenants and
// applications for an hour: anything either one sees change within a test is the work of an
// invalidation, not of an entry expiring.
const env = useTestEnv();
const cached = { HOOKRAIL_CACHE_TTL: '3600' };
const one = useTestApi(env, cached);
const two = useTestApi(env, cached);

async function tenantOnBoth() {
  const created = await one.admin.post('/api/v1/admin/tenants', { name: 'Cached' });
  const body = created.json<{ id: string; apiKey: string; apiKeyId: string }>();
  return {
    ...body,
    onOne: new HttpClient(one.url, body.apiKey),
    onTwo: new HttpClient(two.url, body.apiKey),
  };
}

/** The endpoints a message has deliveries for. */
async function receiversOf(messageId: string): Promise<string[]> {
  const { rows } = await env.sql.query<{ endpoint_id: string }>(
    'select endpoint_id from deliveries where message_id = $1 order by endpoint_id',
    [messageId],
  );
  return rows.map((row) => row.endpoint_id);
}

const refusedOnTwo = (client: HttpClient) =>
  waitFor('the second instance to refuse the key', async () =>
    (await client.get('/api/v1/app')).status === 401 ? true : undefined,
  );

describe('cached lookups across two API instances', () => {
  it('an instance serves a key from memory: a change behind the API is not seen there', async () => {
    const tenant = await tenantOnBoth();
    expect((await tenant.onTwo.get('/api/v1/app')).status).toBe(200);
    // Revoked in the database directly: no instance is told.
    await env.sql.query('update api_keys set revoked_at = now() where id = $1', [tenant.apiKeyId]);
    expect((await tenant.onTwo.get('/api/v1/app')).status).toBe(200);
    // The instance that never used the key asks Postgres.
    expect((await tenant.onOne.get('/api/v1/app')).status).toBe(401);
  });

  it('a key revoked through one instance is refused by the other', async () => {
    const tenant = await tenantOnBoth();
    expect((await tenant.onTwo.get('/api/v1/app')).status).toBe(200);
    expect((await tenant.onTwo.post('/api/v1/app', { name: 'A', uid: 'a' })).status).toBe(201);
    const revoked = await one.admin.delete(
      `/api/v1/admin/tenants/${tenant.id}/api-keys/${tenant.apiKeyId}`,
    );
    expect(revoked.status).toBe(204);
    await refusedOnTwo(tenant.onTwo);
    expect(
      (await tenant.onTwo.post('/api/v1/app/a/msg', { eventType: 'x', payload: {} })).status,
    ).toBe(401);
  });

  it('a tenant deleted through one instance is refused by the other, its key and its portal', async () => {
    const tenant = await tenantOnBoth();
    const app = (await tenant.onOne.post('/api/v1/app', { name: 'A' })).json<{ id: string }>();
    const portal = (await tenant.onOne.post(`/api/v1/auth/app-portal-access/${app.id}`, {})).json<{
      token: string;
    }>();
    const portalOnTwo = new HttpClient(two.url, portal.token);
    expect((await portalOnTwo.get(`/api/v1/app/${app.id}`)).status).toBe(200);
    expect((await tenant.onTwo.get('/api/v1/app')).status).toBe(200);
    expect((await one.admin.delete(`/api/v1/admin/tenants/${tenant.id}`)).status).toBe(204);
    await refusedOnTwo(tenant.onTwo);
    expect((await portalOnTwo.get(`/api/v1/app/${app.id}`)).status).toBe(401);
  });

  it("an application's new uid, and its deletion, reach the other instance's ingest", async () => {
    const tenant = await tenantOnBoth();
    const app = (await tenant.onOne.post('/api/v1/app', { name: 'A', uid: 'before' })).json<{
      id: string;
    }>();
    const send = (ref: string) =>
      tenant.onTwo.post(`/api/v1/app/${ref}/msg`, { eventType: 'x', payload: {} });
    expect((await send('before')).status).toBe(202);
    expect((await tenant.onOne.patch(`/api/v1/app/${app.id}`, { uid: 'after' })).status).toBe(200);
    await waitFor('the old uid to be forgotten', async () =>
      (await send('before')).status === 404 ? true : undefined,
    );
    expect((await send('after')).status).toBe(202);
    expect((await tenant.onOne.delete(`/api/v1/app/${app.id}`)).status).toBe(204);
    await waitFor('the deleted application to be forgotten', async () =>
      (await send('after')).status === 404 ? true : undefined,
    );
    // Nothing was written for it once it was deleted (its rows wait for the purge).
    const { rows } = await env.sql.query(
      `select count(*)::int as n from messages m join applications a on a.id = m.app_id
        where m.app_id = $1 and m.created_at >= a.deleted_at`,
      [app.id],
    );
    expect(rows).toEqual([{ n: 0 }]);
  });

  it("a tenant's settings changed through one instance apply to the other's ingest", async () => {
    const tenant = await tenantOnBoth();
    await tenant.onOne.post('/api/v1/app', { name: 'A', uid: 'a' });
    await tenant.onOne.post('/api/v1/event-type', {
      name: 'invoice.paid',
      description: 'paid',
      schemas: { '1': { type: 'object', required: ['invoiceId'] } },
    });
    const send = () =>
      tenant.onTwo.post('/api/v1/app/a/msg', { eventType: 'invoice.paid', payload: {} });
    expect((await send()).status).toBe(202);
    const patched = await one.admin.patch(`/api/v1/admin/tenants/${tenant.id}`, {
      settings: { validateSchemas: true },
    });
    expect(patched.status).toBe(200);
    await waitFor('the second instance to validate payloads', async () =>
      (await send()).status === 422 ? true : undefined,
    );
  });

  it('an endpoint disabled through one instance gets nothing from the next message sent to the other', async () => {
    const tenant = await tenantOnBoth();
    await tenant.onOne.post('/api/v1/app', { name: 'A', uid: 'a' });
    const endpoint = (
      await tenant.onOne.post('/api/v1/app/a/endpoint', { url: 'https://example.com/hook' })
    ).json<{ id: string }>();
    const send = async () =>
      (await tenant.onTwo.post('/api/v1/app/a/msg', { eventType: 'x', payload: {} })).json<{
        id: string;
      }>().id;
    expect(await receiversOf(await send())).toEqual([endpoint.id]);
    const disabled = await tenant.onOne.patch(`/api/v1/app/a/endpoint/${endpoint.id}`, {
      disabled: true,
    });
    expect(disabled.status).toBe(200);
    // Endpoint lists are read by the statement that writes the message: no wait at all.
    expect(await receiversOf(await send())).toEqual([]);
  });

  it('an endpoint added through one instance receives the next message sent to the other', async () => {
    const tenant = await tenantOnBoth();
    await tenant.onOne.post('/api/v1/app', { name: 'A', uid: 'a' });
    const endpoint = async () =>
      (
        await tenant.onOne.post('/api/v1/app/a/endpoint', { url: 'https://example.com/hook' })
      ).json<{ id: string }>().id;
    const first = await endpoint();
    const send = async () =>
      (await tenant.onTwo.post('/api/v1/app/a/msg', { eventType: 'x', payload: {} })).json<{
        id: string;
      }>().id;
    expect(await receiversOf(await send())).toEqual([first]);
    const second = await endpoint();
    expect(await receiversOf(await send())).toEqual([first, second]);
  });
});
