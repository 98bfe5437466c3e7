import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { testEncryptionKey, useTestEnv } from './support/env.ts';
import { Vault } from '@hookrail/secrets';
import { HttpClient } from './support/http.ts';

const env = useTestEnv();
const api = useTestApi(env);

async function jwtSecret(): Promise<Uint8Array> {
  const { rows } = await env.sql.query<{ value: string }>(
    "select value from settings where name = 'jwt_secret'",
  );
  const value = rows[0]?.value;
  if (value === undefined) throw new Error('no jwt secret stored');
  expect(value).toMatch(/^enc:v1:/); // sealed at rest
  return new Vault(Buffer.from(testEncryptionKey, 'base64')).open(value);
}

function forge(
  key: Uint8Array,
  claims: { tnt: string; sub: string; exp: number },
): Promise<string> {
  return new SignJWT({ tnt: claims.tnt })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('hookrail')
    .setAudience('app-portal')
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(claims.exp)
    .sign(key);
}

describe('app portal tokens', () => {
  it('work for their application until they expire; forged or foreign ones are refused', async () => {
    const tenant = await api.newTenant();
    const app = (await tenant.client.post('/api/v1/app', { name: 'Portal' })).json<{
      id: string;
    }>();
    const issued = await tenant.client.post(`/api/v1/auth/app-portal-access/${app.id}`, {
      expiry: 3600,
    });
    expect(issued.status).toBe(200);
    const { token } = issued.json<{ token: string }>();
    expect((await new HttpClient(api.url, token).get(`/api/v1/app/${app.id}`)).status).toBe(200);

    const key = await jwtSecret();
    const now = Math.floor(Date.now() / 1000);
    const expired = await forge(key, { tnt: tenant.id, sub: app.id, exp: now - 60 });
    const otherKey = await forge(new Uint8Array(32).fill(7), {
      tnt: tenant.id,
      sub: app.id,
      exp: now + 600,
    });
    for (const bad of [expired, otherKey, `${token}x`]) {
      const res = await new HttpClient(api.url, bad).get(`/api/v1/app/${app.id}`);
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ code: 'unauthorized' });
    }
  });

  it('stop working when their tenant is deleted', async () => {
    const tenant = await api.newTenant();
    const app = (await tenant.client.post('/api/v1/app', { name: 'Portal' })).json<{
      id: string;
    }>();
    const { token } = (
      await tenant.client.post(`/api/v1/auth/app-portal-access/${app.id}`, {})
    ).json<{ token: string }>();
    await api.admin.delete(`/api/v1/admin/tenants/${tenant.id}`);
    expect((await new HttpClient(api.url, token).get(`/api/v1/app/${app.id}`)).status).toBe(401);
  });

  it("cannot be issued for another tenant's application, nor with an expiry out of range", async () => {
    const a = await api.newTenant();
    const b = await api.newTenant();
    const app = (await a.client.post('/api/v1/app', { name: 'A' })).json<{ id: string }>();
    expect((await b.client.post(`/api/v1/auth/app-portal-access/${app.id}`, {})).status).toBe(404);
    expect(
      (await a.client.post(`/api/v1/auth/app-portal-access/${app.id}`, { expiry: 60 })).status,
    ).toBe(422);
    // An application named by a new uid with `application` is created for the portal.
    const created = await a.client.post('/api/v1/auth/app-portal-access/new-customer', {
      application: { name: 'New customer' },
    });
    expect(created.status).toBe(200);
    expect((await a.client.get('/api/v1/app/new-customer')).json()).toMatchObject({
      name: 'New customer',
    });
  });

  it('show a subscriber only the event types its feature flags open, never archived ones', async () => {
    const tenant = await api.newTenant();
    const app = (await tenant.client.post('/api/v1/app', { name: 'Flags' })).json<{ id: string }>();
    const types = [
      { name: 'open.event', description: 'for everyone' },
      { name: 'beta.event', description: 'behind a flag', featureFlag: 'beta' },
      { name: 'labs.event', description: 'behind flags', featureFlags: ['labs', 'beta'] },
      { name: 'old.event', description: 'archived', archived: true },
    ];
    for (const type of types) {
      expect((await tenant.client.post('/api/v1/event-type', type)).status).toBe(201);
    }
    const listed = async (featureFlags: string[] | undefined) => {
      const { token } = (
        await tenant.client.post(`/api/v1/auth/app-portal-access/${app.id}`, {
          ...(featureFlags && { featureFlags }),
        })
      ).json<{ token: string }>();
      const portal = new HttpClient(api.url, token);
      const list = await portal.get('/api/v1/event-type?include_archived=true');
      expect(list.status).toBe(200);
      const names = list.json<{ data: { name: string }[] }>().data.map((t) => t.name);
      const beta = (await portal.get('/api/v1/event-type/beta.event')).status;
      return { names, beta };
    };
    expect(await listed(undefined)).toEqual({ names: ['open.event'], beta: 404 });
    expect(await listed(['labs'])).toEqual({ names: ['labs.event', 'open.event'], beta: 404 });
    expect(await listed(['beta'])).toEqual({
      names: ['beta.event', 'labs.event', 'open.event'],
      beta: 200,
    });
    // The tenant's own key sees the whole catalogue.
    const all = await tenant.client.get('/api/v1/event-type?include_archived=true');
    expect(all.json<{ data: unknown[] }>().data).toHaveLength(4);
  });
});
