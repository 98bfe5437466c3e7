import { describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';
import { purgeDeleted } from './support/purge.ts';

const env = useTestEnv();
const api = useTestApi(env);

async function count(table: string, tenantId: string): Promise<number> {
  const { rows } = await env.sql.query<{ n: number }>(
    `select count(*)::int as n from ${table} where tenant_id = $1`,
    [tenantId],
  );
  return rows[0]?.n ?? -1;
}

describe('the operator API', () => {
  it('refuses requests without the admin token, and with a tenant key', async () => {
    expect((await api.anonymous.get('/api/v1/admin/tenants')).status).toBe(401);
    const wrong = new HttpClient(api.url, 'not-the-admin-token-at-all');
    const res = await wrong.post('/api/v1/admin/tenants', { name: 'x' });
    expect(res.status).toBe(401);
    expect(res.json()).toMatchObject({ code: 'unauthorized' });
    const tenant = await api.newTenant();
    expect((await new HttpClient(api.url, tenant.apiKey).get('/api/v1/admin/tenants')).status).toBe(
      401,
    );
  });

  it('creates a tenant whose key, shown once, works on the tenant API', async () => {
    const res = await api.admin.post('/api/v1/admin/tenants', { name: 'Acme' });
    expect(res.status).toBe(201);
    const body = res.json<{ id: string; name: string; apiKey: string }>();
    expect(body.id).toMatch(/^tnt_/);
    expect(body.name).toBe('Acme');
    expect(body.apiKey).toMatch(/^hrk_/);
    const client = new HttpClient(api.url, body.apiKey);
    expect((await client.get('/api/v1/app')).status).toBe(200);

    const got = await api.admin.get(`/api/v1/admin/tenants/${body.id}`);
    expect(got.json()).toMatchObject({ id: body.id, name: 'Acme' });
    expect(got.text).not.toContain(body.apiKey);
    const { rows } = await env.sql.query(
      'select token_hash, prefix from api_keys where tenant_id = $1',
      [body.id],
    );
    expect(JSON.stringify(rows)).not.toContain(body.apiKey);
  });

  it('lists tenants page by page', async () => {
    const made = [await api.newTenant('p1'), await api.newTenant('p2'), await api.newTenant('p3')];
    const seen: string[] = [];
    let iterator: string | null = null;
    for (let i = 0; i < 50; i++) {
      const query: string = iterator === null ? '' : `&iterator=${iterator}`;
      const page = (await api.admin.get(`/api/v1/admin/tenants?limit=2${query}`)).json<{
        data: { id: string }[];
        iterator: string | null;
        done: boolean;
      }>();
      seen.push(...page.data.map((t) => t.id));
      if (page.done) break;
      iterator = page.iterator;
    }
    expect(seen).toEqual(expect.arrayContaining(made.map((t) => t.id)));
    expect([...seen].sort()).toEqual(seen);
  });

  it('issues extra keys and revokes one at once, leaving the others working', async () => {
    const tenant = await api.newTenant();
    const issued = await api.admin.post(`/api/v1/admin/tenants/${tenant.id}/api-keys`, {
      name: 'ci',
    });
    expect(issued.status).toBe(201);
    const extra = issued.json<{ id: string; key: string; prefix: string; name: string }>();
    expect(extra.key.startsWith(extra.prefix)).toBe(true);
    expect(extra.name).toBe('ci');
    const extraClient = new HttpClient(api.url, extra.key);
    expect((await extraClient.get('/api/v1/app')).status).toBe(200);

    const listed = await api.admin.get(`/api/v1/admin/tenants/${tenant.id}/api-keys`);
    expect(listed.json<{ data: unknown[] }>().data).toHaveLength(2);
    expect(listed.text).not.toContain(extra.key);

    expect(
      (await api.admin.delete(`/api/v1/admin/tenants/${tenant.id}/api-keys/${extra.id}`)).status,
    ).toBe(204);
    expect((await extraClient.get('/api/v1/app')).status).toBe(401);
    expect((await tenant.client.get('/api/v1/app')).status).toBe(200);
    const after = (await api.admin.get(`/api/v1/admin/tenants/${tenant.id}/api-keys`)).json<{
      data: { id: string; revokedAt: string | null }[];
    }>();
    expect(after.data.find((k) => k.id === extra.id)?.revokedAt).toEqual(expect.any(String));
  });

  it('deletes a tenant: its keys stop working at once and its data is purged after', async () => {
    const tenant = await api.newTenant('Doomed');
    await tenant.client.post('/api/v1/app', { name: 'App', uid: 'doomed-app' });
    await tenant.client.post('/api/v1/event-type', { name: 'a.b', description: '' });
    const ep = await tenant.client.post('/api/v1/app/doomed-app/endpoint', {
      url: 'https://example.com/hook',
    });
    expect(ep.status).toBe(201);
    expect(await count('endpoint_secrets', tenant.id)).toBe(1);

    expect((await api.admin.delete(`/api/v1/admin/tenants/${tenant.id}`)).status).toBe(204);
    const after = await tenant.client.get('/api/v1/app');
    expect(after.status).toBe(401);
    expect(after.json()).toMatchObject({ code: 'unauthorized' });
    expect((await api.admin.get(`/api/v1/admin/tenants/${tenant.id}`)).status).toBe(404);
    // The worker's housekeeping purges what it held.
    expect((await purgeDeleted(env)).finished).toBeGreaterThanOrEqual(1);
    for (const table of [
      'api_keys',
      'applications',
      'event_types',
      'endpoints',
      'endpoint_secrets',
    ]) {
      expect(await count(table, tenant.id)).toBe(0);
    }
    expect((await api.admin.get(`/api/v1/admin/tenants/${tenant.id}`)).status).toBe(404);
    expect((await api.admin.delete(`/api/v1/admin/tenants/${tenant.id}`)).status).toBe(404);
  });

  it('answers 404 for tenants and keys that do not exist', async () => {
    expect((await api.admin.get('/api/v1/admin/tenants/tnt_nope')).status).toBe(404);
    const tenant = await api.newTenant();
    const res = await api.admin.delete(
      `/api/v1/admin/tenants/${tenant.id}/api-keys/key_01m812d48jcysvw7tk0ahr2hjb`,
    );
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ code: 'not_found' });
  });
});
