import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient, HttpResponse } from './support/http.ts';

const env = useTestEnv();
// Row-count bounds are configurable; small ones keep this file quick.
const api = useTestApi(env, { HOOKRAIL_MAX_ENDPOINTS_PER_APP: '3', HOOKRAIL_MAX_EVENT_TYPES: '3' });

let client: HttpClient;
let appId: string;

beforeAll(async () => {
  client = (await api.newTenant()).client;
  appId = (await client.post('/api/v1/app', { name: 'Bounds' })).json<{ id: string }>().id;
});

const url = 'https://example.com/hook';

function expectBound(res: HttpResponse, type: string): void {
  expect({ status: res.status, body: res.json() }).toEqual({
    status: 422,
    body: { code: 'validation', detail: [expect.objectContaining({ type })] },
  });
}

describe('bounds a tenant cannot exceed', () => {
  it('endpoints per application: 422 too_many_endpoints past the bound, room again after a delete', async () => {
    const created: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await client.post(`/api/v1/app/${appId}/endpoint`, { url });
      expect(res.status).toBe(201);
      created.push(res.json<{ id: string }>().id);
    }
    expectBound(await client.post(`/api/v1/app/${appId}/endpoint`, { url }), 'too_many_endpoints');
    expectBound(
      await client.put(`/api/v1/app/${appId}/endpoint/by-uid`, { url }),
      'too_many_endpoints',
    );
    const { rows } = await env.sql.query(
      'select count(*)::int as n from endpoints where app_id = $1 and deleted_at is null',
      [appId],
    );
    expect(rows[0]).toEqual({ n: 3 });
    const other = (await client.post('/api/v1/app', { name: 'Other' })).json<{ id: string }>().id;
    expect((await client.post(`/api/v1/app/${other}/endpoint`, { url })).status).toBe(201);
    await client.delete(`/api/v1/app/${appId}/endpoint/${created[0] ?? ''}`);
    expect((await client.post(`/api/v1/app/${appId}/endpoint`, { url })).status).toBe(201);
  });

  it('event types per tenant, archived ones included: 422 too_many_event_types', async () => {
    const tenant = (await api.newTenant('Types')).client;
    for (const name of ['a.one', 'a.two', 'a.three']) {
      expect((await tenant.post('/api/v1/event-type', { name, description: '' })).status).toBe(201);
    }
    await tenant.delete('/api/v1/event-type/a.three'); // archived, still counted
    expectBound(
      await tenant.post('/api/v1/event-type', { name: 'a.four', description: '' }),
      'too_many_event_types',
    );
    expectBound(
      await tenant.put('/api/v1/event-type/a.four', { description: '' }),
      'too_many_event_types',
    );
    // Replacing one that exists is not a new one.
    expect((await tenant.put('/api/v1/event-type/a.one', { description: 'new' })).status).toBe(200);
    expect((await tenant.get('/api/v1/event-type/a.four')).status).toBe(404);
    await tenant.delete('/api/v1/event-type/a.three?expunge=true');
    expect(
      (await tenant.post('/api/v1/event-type', { name: 'a.four', description: '' })).status,
    ).toBe(201);
  });

  it('headers per endpoint, in count (32) and total size (16 KiB): too_many_headers, headers_too_large', async () => {
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`x-h${i}`, 'v']));
    const tenant = (await api.newTenant('Headers')).client;
    const app = (await tenant.post('/api/v1/app', { name: 'H' })).json<{ id: string }>().id;
    const eps = `/api/v1/app/${app}/endpoint`;
    expectBound(await tenant.post(eps, { url, headers: many }), 'too_many_headers');
    const big = { 'x-a': 'a'.repeat(6000), 'x-b': 'b'.repeat(6000), 'x-c': 'c'.repeat(6000) };
    expectBound(await tenant.post(eps, { url, headers: big }), 'headers_too_large');

    const ep = `${eps}/${(await tenant.post(eps, { url })).json<{ id: string }>().id}`;
    expectBound(await tenant.put(`${ep}/headers`, { headers: many }), 'too_many_headers');
    expectBound(await tenant.put(`${ep}/headers`, { headers: big }), 'headers_too_large');
    // A PATCH is judged by what the endpoint would hold after it, credentials in plain text.
    const first = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`x-h${i}`, 'v']));
    expect((await tenant.patch(`${ep}/headers`, { headers: first })).status).toBe(204);
    expectBound(
      await tenant.patch(`${ep}/headers`, { headers: { 'x-n1': 'v', 'x-n2': 'v', 'x-n3': 'v' } }),
      'too_many_headers',
    );
    expect(
      (
        await tenant.patch(`${ep}/headers`, {
          headers: { authorization: 'a'.repeat(8000) },
          deleteHeaders: ['x-h0'],
        })
      ).status,
    ).toBe(204);
    expectBound(
      await tenant.patch(`${ep}/headers`, {
        headers: { 'x-more': 'm'.repeat(8000), 'x-more2': 'm'.repeat(500) },
      }),
      'headers_too_large',
    );
    const shown = (await tenant.get(`${ep}/headers`)).json<{
      headers: Record<string, string>;
      sensitive: string[];
    }>();
    expect(Object.keys(shown.headers)).toHaveLength(29);
    expect(shown.sensitive).toEqual(['authorization']);
  });

  it('channels (10) and filter types (1000) per endpoint: too_many_channels, too_many_filter_types', async () => {
    const eps = `/api/v1/app/${appId}/endpoint`;
    const channels = Array.from({ length: 11 }, (_, i) => `c${i}`);
    const filterTypes = Array.from({ length: 1001 }, (_, i) => `t.${i}`);
    expectBound(await client.post(eps, { url, channels }), 'too_many_channels');
    expectBound(await client.post(eps, { url, filterTypes }), 'too_many_filter_types');
    expectBound(await client.post(eps, { url, eventTypes: filterTypes }), 'too_many_filter_types');
  });

  it('schema size (64 KiB of JSON for all versions): schema_too_large', async () => {
    const tenant = (await api.newTenant('Schemas')).client;
    const half = { description: 'x'.repeat(40 * 1024) };
    expectBound(
      await tenant.post('/api/v1/event-type', {
        name: 'big',
        description: '',
        schemas: { '1': half, '2': half },
      }),
      'schema_too_large',
    );
    expect(
      (
        await tenant.post('/api/v1/event-type', {
          name: 'big',
          description: '',
          schemas: { '1': half },
        })
      ).status,
    ).toBe(201);
  });
});
