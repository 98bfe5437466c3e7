import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';

const env = useTestEnv();
const api = useTestApi(env);

let a: HttpClient;
let b: HttpClient;
let appId: string;
let endpointId: string;

beforeAll(async () => {
  a = (await api.newTenant('A')).client;
  b = (await api.newTenant('B')).client;
  await a.post('/api/v1/event-type', { name: 'private.type', description: 'A only' });
  appId = (await a.post('/api/v1/app', { name: 'A app', uid: 'shared-uid' })).json<{ id: string }>()
    .id;
  endpointId = (
    await a.post(`/api/v1/app/${appId}/endpoint`, {
      url: 'https://example.com/a',
      uid: 'a-endpoint',
    })
  ).json<{ id: string }>().id;
});

describe("tenant B and tenant A's resources", () => {
  const reads = () =>
    [
      ['GET', `/api/v1/app/${appId}`],
      ['GET', '/api/v1/app/shared-uid'],
      ['PUT', `/api/v1/app/${appId}`, { name: 'hijack' }],
      ['PATCH', '/api/v1/app/shared-uid', { name: 'hijack' }],
      ['DELETE', `/api/v1/app/${appId}`],
      ['GET', `/api/v1/app/${appId}/endpoint`],
      ['POST', `/api/v1/app/shared-uid/endpoint`, { url: 'https://example.com/b' }],
      ['GET', `/api/v1/app/${appId}/endpoint/${endpointId}`],
      ['GET', `/api/v1/app/shared-uid/endpoint/a-endpoint`],
      ['PUT', `/api/v1/app/${appId}/endpoint/${endpointId}`, { url: 'https://example.com/b' }],
      ['PATCH', `/api/v1/app/${appId}/endpoint/${endpointId}`, { disabled: true }],
      ['DELETE', `/api/v1/app/${appId}/endpoint/${endpointId}`],
      ['GET', `/api/v1/app/${appId}/endpoint/${endpointId}/secret`],
      ['GET', '/api/v1/event-type/private.type'],
      ['PATCH', '/api/v1/event-type/private.type', { description: 'hijack' }],
      ['DELETE', '/api/v1/event-type/private.type'],
    ] as const;

  it('every read or write by id or uid answers 404, exactly like a missing resource', async () => {
    for (const [method, path, body] of reads()) {
      const res = await b.request(method, path, body);
      expect({ method, path, status: res.status, body: res.json() }).toEqual({
        method,
        path,
        status: 404,
        body: { code: 'not_found', detail: expect.any(String) },
      });
    }
    // Nothing of A's changed.
    expect((await a.get('/api/v1/app/shared-uid')).json()).toMatchObject({ name: 'A app' });
    expect((await a.get(`/api/v1/app/${appId}/endpoint/${endpointId}`)).json()).toMatchObject({
      disabled: false,
    });
    expect((await a.get('/api/v1/event-type/private.type')).json()).toMatchObject({
      description: 'A only',
    });
  });

  it("no list of B's shows them, and B may use the same uid and names for its own", async () => {
    expect((await b.get('/api/v1/app')).json()).toMatchObject({ data: [] });
    expect((await b.get('/api/v1/event-type?include_archived=true')).json()).toMatchObject({
      data: [],
    });
    // An iterator taken from A's list reveals nothing either.
    const res = await b.get(`/api/v1/app?iterator=-${appId}&limit=250`);
    expect(res.json()).toMatchObject({ data: [] });

    expect((await b.post('/api/v1/app', { name: 'B app', uid: 'shared-uid' })).status).toBe(201);
    expect(
      (await b.post('/api/v1/event-type', { name: 'private.type', description: 'B too' })).status,
    ).toBe(201);
    expect((await a.get('/api/v1/app/shared-uid')).json()).toMatchObject({ id: appId });
  });

  it("B cannot filter its endpoints on A's event types", async () => {
    await b.post('/api/v1/app', { name: 'B2', uid: 'b2' });
    await a.post('/api/v1/event-type', { name: 'a.only', description: '' });
    const res = await b.post('/api/v1/app/b2/endpoint', {
      url: 'https://example.com',
      filterTypes: ['a.only'],
    });
    expect(res.status).toBe(422);
  });
});
