import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient, type HttpResponse } from './support/http.ts';

const env = useTestEnv();
const api = useTestApi(env);

let tenant: HttpClient;
let otherKey: HttpClient;
let appA: string;
let appB: string;
let portalA: HttpClient;
let portalB: HttpClient;

async function portalToken(appId: string): Promise<HttpClient> {
  const res = await tenant.post(`/api/v1/auth/app-portal-access/${appId}`, {});
  return new HttpClient(api.url, res.json<{ token: string }>().token);
}

beforeAll(async () => {
  const created = await api.newTenant();
  tenant = created.client;
  const key = await api.admin.post(`/api/v1/admin/tenants/${created.id}/api-keys`, {});
  otherKey = new HttpClient(api.url, key.json<{ key: string }>().key);
  appA = (await tenant.post('/api/v1/app', { name: 'A' })).json<{ id: string }>().id;
  appB = (await tenant.post('/api/v1/app', { name: 'B' })).json<{ id: string }>().id;
  portalA = await portalToken(appA);
  portalB = await portalToken(appB);
});

const endpoint = { url: 'https://example.com/hook' };
const withKey = (key: string) => ({ 'idempotency-key': key });
const replayed = (res: HttpResponse) => res.headers.get('idempotent-replayed') === 'true';

async function endpointCount(appId: string): Promise<number> {
  const { rows } = await env.sql.query<{ n: number }>(
    'select count(*)::int as n from endpoints where app_id = $1',
    [appId],
  );
  return rows[0]?.n ?? 0;
}

describe('Idempotency keys belong to their caller', () => {
  it("a portal token sending a key the tenant used for another application does the work, and learns nothing of the tenant's use", async () => {
    const first = await tenant.post(`/api/v1/app/${appA}/endpoint`, endpoint, withKey('k-1'));
    expect(first.status).toBe(201);

    // The same key on the token's own application: a new request, not a replay and no 409.
    const own = await portalB.post(`/api/v1/app/${appB}/endpoint`, endpoint, withKey('k-1'));
    expect(own.status).toBe(201);
    expect(replayed(own)).toBe(false);
    expect(own.json<{ id: string }>().id).not.toBe(first.json<{ id: string }>().id);

    // The very request the tenant sent (same path, body and key) is refused by the route's
    // access check, not answered with the tenant's stored response.
    const copy = await portalB.post(`/api/v1/app/${appA}/endpoint`, endpoint, withKey('k-1'));
    expect(copy.status).toBe(404);
    expect(copy.json()).toMatchObject({ code: 'not_found' });
    expect(copy.text).not.toContain(first.json<{ id: string }>().id);
    expect(await endpointCount(appA)).toBe(1);
  });

  it("a portal token's key is its own: another application's token and the tenant's keys never replay it", async () => {
    const mine = await portalA.post(`/api/v1/app/${appA}/endpoint`, endpoint, withKey('k-2'));
    expect(mine.status).toBe(201);
    const again = await portalA.post(`/api/v1/app/${appA}/endpoint`, endpoint, withKey('k-2'));
    expect(replayed(again)).toBe(true);
    expect(again.text).toBe(mine.text);

    const fromB = await portalB.post(`/api/v1/app/${appA}/endpoint`, endpoint, withKey('k-2'));
    expect(fromB.status).toBe(404);
    expect(replayed(fromB)).toBe(false);

    // The tenant's API key is another namespace: the same request with the same key is new.
    const before = await endpointCount(appA);
    const fromTenant = await tenant.post(`/api/v1/app/${appA}/endpoint`, endpoint, withKey('k-2'));
    expect(fromTenant.status).toBe(201);
    expect(replayed(fromTenant)).toBe(false);
    expect(await endpointCount(appA)).toBe(before + 1);
  });

  it("every API key of a tenant shares the tenant's namespace", async () => {
    const first = await tenant.post('/api/v1/app', { name: 'Shared' }, withKey('k-3'));
    const second = await otherKey.post('/api/v1/app', { name: 'Shared' }, withKey('k-3'));
    expect(first.status).toBe(201);
    expect(replayed(second)).toBe(true);
    expect(second.text).toBe(first.text);
  });

  it('a portal token on a route outside its application is refused before any replay', async () => {
    await tenant.post('/api/v1/event-type', { name: 'a.b', description: '' }, withKey('k-4'));
    const res = await portalA.post(
      '/api/v1/event-type',
      { name: 'a.b', description: '' },
      withKey('k-4'),
    );
    expect(res.status).toBe(403);
    expect(replayed(res)).toBe(false);
    const { rows } = await env.sql.query(
      `select scope from idempotency_keys where key = 'k-4' order by scope`,
    );
    expect(rows).toEqual([{ scope: 'tenant' }]);
  });
});
