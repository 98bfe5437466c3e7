import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';

const env = useTestEnv();
const api = useTestApi(env);

interface Endpoint {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  filterTypes: string[] | null;
  channels: string[] | null;
  disabled: boolean;
  rateLimit: number | null;
  throttleRate: number | null;
  metadata: Record<string, string>;
}

let client: HttpClient;
let base: string;
beforeAll(async () => {
  client = (await api.newTenant()).client;
  await client.post('/api/v1/app', { name: 'Subscriber', uid: 'sub' });
  for (const name of ['invoice.paid', 'invoice.voided', 'user.signup']) {
    await client.post('/api/v1/event-type', { name, description: name });
  }
  base = '/api/v1/app/sub/endpoint';
});

describe('endpoints', () => {
  it('are created with filters, channels, a rate limit and metadata, and a generated whsec_ secret', async () => {
    const res = await client.post(base, {
      url: 'https://example.com/hooks',
      description: 'Billing',
      filterTypes: ['invoice.paid', 'invoice.voided'],
      channels: ['project_1'],
      rateLimit: 20,
      metadata: { team: 'billing' },
    });
    expect(res.status).toBe(201);
    const ep = res.json<Endpoint>();
    expect(ep).toMatchObject({
      url: 'https://example.com/hooks',
      description: 'Billing',
      filterTypes: ['invoice.paid', 'invoice.voided'],
      channels: ['project_1'],
      disabled: false,
      rateLimit: 20,
      throttleRate: 20,
      metadata: { team: 'billing' },
    });
    expect(ep.id).toMatch(/^ep_/);
    const secret = await client.get(`${base}/${ep.id}/secret`);
    expect(secret.json<{ key: string }>().key).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    expect(res.text).not.toContain(secret.json<{ key: string }>().key);
  });

  it('keep a secret the caller chose', async () => {
    const key = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
    const ep = (
      await client.post(base, { url: 'https://example.com/own', secret: key })
    ).json<Endpoint>();
    expect((await client.get(`${base}/${ep.id}/secret`)).json()).toEqual({ key });
  });

  it('accept the older field names eventTypes and throttleRate', async () => {
    const ep = (
      await client.post(base, {
        url: 'https://example.com/old',
        eventTypes: ['user.signup'],
        throttleRate: 3,
      })
    ).json<Endpoint>();
    expect(ep).toMatchObject({ filterTypes: ['user.signup'], rateLimit: 3 });
  });

  it('refuse a filter naming event types that do not exist or are archived, writing nothing', async () => {
    await client.post('/api/v1/event-type', { name: 'gone.type', description: '' });
    await client.delete('/api/v1/event-type/gone.type');
    const before = await env.sql.query('select count(*)::int as n from endpoints');
    const res = await client.post(base, {
      url: 'https://example.com/x',
      filterTypes: ['invoice.paid', 'nope', 'gone.type'],
    });
    expect(res.status).toBe(422);
    const detail = res.json<{ code: string; detail: { loc: string[]; msg: string }[] }>();
    expect(detail.code).toBe('validation');
    expect(detail.detail[0]?.loc).toEqual(['body', 'filterTypes']);
    expect(detail.detail[0]?.msg).toContain('nope, gone.type');
    expect((await env.sql.query('select count(*)::int as n from endpoints')).rows).toEqual(
      before.rows,
    );
  });

  it('are found by uid, and a uid is unique among the live endpoints of an application', async () => {
    const ep = (
      await client.post(base, { url: 'https://example.com/u', uid: 'primary' })
    ).json<Endpoint>();
    expect((await client.get(`${base}/primary`)).json<Endpoint>().id).toBe(ep.id);
    const dup = await client.post(base, { url: 'https://example.com/u2', uid: 'primary' });
    expect(dup.status).toBe(409);
    expect((await client.delete(`${base}/primary`)).status).toBe(204);
    // Once deleted, its uid is free again.
    expect(
      (await client.post(base, { url: 'https://example.com/u3', uid: 'primary' })).status,
    ).toBe(201);
  });

  it('patched with filterTypes keep their channels; PUT replaces every field', async () => {
    const ep = (
      await client.post(base, {
        url: 'https://example.com/p',
        channels: ['a', 'b'],
        filterTypes: ['user.signup'],
      })
    ).json<Endpoint>();
    const patched = await client.patch(`${base}/${ep.id}`, { filterTypes: ['invoice.paid'] });
    expect(patched.status).toBe(200);
    expect(patched.json<Endpoint>()).toMatchObject({
      filterTypes: ['invoice.paid'],
      channels: ['a', 'b'],
    });

    const cleared = await client.patch(`${base}/${ep.id}`, { channels: null, disabled: true });
    expect(cleared.json<Endpoint>()).toMatchObject({
      channels: null,
      disabled: true,
      filterTypes: ['invoice.paid'],
    });

    const put = await client.put(`${base}/${ep.id}`, { url: 'https://example.com/replaced' });
    expect(put.json<Endpoint>()).toMatchObject({
      url: 'https://example.com/replaced',
      filterTypes: null,
      channels: null,
      disabled: false,
      description: '',
    });
    // The secret survives a replace.
    expect((await client.get(`${base}/${ep.id}/secret`)).status).toBe(200);
  });

  it('are created by a PUT to a uid that does not exist yet', async () => {
    const res = await client.put(`${base}/by-put`, { url: 'https://example.com/put' });
    expect(res.status).toBe(201);
    expect(res.json<Endpoint>().uid).toBe('by-put');
    expect((await client.get(`${base}/by-put/secret`)).status).toBe(200);
  });

  it('once deleted are gone from reads and lists, and their secrets are dropped', async () => {
    const ep = (await client.post(base, { url: 'https://example.com/del' })).json<Endpoint>();
    expect((await client.delete(`${base}/${ep.id}`)).status).toBe(204);
    expect((await client.get(`${base}/${ep.id}`)).status).toBe(404);
    expect((await client.get(`${base}/${ep.id}/secret`)).status).toBe(404);
    expect((await client.delete(`${base}/${ep.id}`)).status).toBe(404);
    const ids = (await client.get(`${base}?limit=250`))
      .json<{ data: Endpoint[] }>()
      .data.map((e) => e.id);
    expect(ids).not.toContain(ep.id);
    const secrets = await env.sql.query(
      'select count(*)::int as n from endpoint_secrets where endpoint_id = $1',
      [ep.id],
    );
    expect(secrets.rows[0]).toEqual({ n: 0 });
  });

  it('of an application that does not exist answer 404', async () => {
    expect((await client.get('/api/v1/app/nobody/endpoint')).status).toBe(404);
    expect(
      (await client.post('/api/v1/app/nobody/endpoint', { url: 'https://example.com' })).status,
    ).toBe(404);
  });
});
