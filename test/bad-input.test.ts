import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';

const env = useTestEnv();
const api = useTestApi(env, { HOOKRAIL_MAX_BODY: '64kb' });

let client: HttpClient;
let appId: string;
let endpointPath: string;

beforeAll(async () => {
  client = (await api.newTenant()).client;
  appId = (await client.post('/api/v1/app', { name: 'App', uid: 'app-1' })).json<{ id: string }>()
    .id;
  await client.post('/api/v1/event-type', { name: 'invoice.paid', description: '' });
  const ep = await client.post(`/api/v1/app/${appId}/endpoint`, {
    url: 'https://example.com/hook',
  });
  endpointPath = `/api/v1/app/${appId}/endpoint/${ep.json<{ id: string }>().id}`;
});

/** Everything the API could have written: row counts and the latest change of each table. */
async function fingerprint(): Promise<unknown> {
  const tables = [
    'tenants',
    'api_keys',
    'applications',
    'event_types',
    'endpoints',
    'endpoint_secrets',
  ];
  const result: Record<string, unknown> = {};
  for (const table of tables) {
    const { rows } = await env.sql.query(
      `select count(*)::int as n, max(created_at) as latest from ${table}`,
    );
    result[table] = rows[0];
  }
  const updated = await env.sql.query(
    `select (select max(updated_at) from applications) a, (select max(updated_at) from endpoints) e,
            (select max(updated_at) from event_types) t`,
  );
  result.updated = updated.rows[0];
  return result;
}

type Case = [
  method: string,
  path: () => string,
  body: unknown,
  status: number,
  code: string,
  loc?: unknown[],
];

const big = 'x'.repeat(70 * 1024);
const idShaped = 'app_01m812de9h11sswev776dm33nv';
const ep = () => endpointPath;
const eps = () => `/api/v1/app/${appId}/endpoint`;
const url = 'https://example.com/x';

const cases: Case[] = [
  // Malformed bodies
  ['POST', () => '/api/v1/app', '{"name": ', 400, 'invalid_json'],
  ['POST', () => '/api/v1/app', '[1, 2]', 422, 'validation', ['body']],
  ['POST', () => '/api/v1/app', '"just a string"', 422, 'validation', ['body']],
  ['POST', () => '/api/v1/app', { name: big }, 413, 'payload_too_large'],
  // An empty body reads as an empty object.
  ['POST', () => '/api/v1/app', undefined, 422, 'validation', ['body', 'name']],
  // Applications
  ['POST', () => '/api/v1/app', {}, 422, 'validation', ['body', 'name']],
  ['POST', () => '/api/v1/app', { name: 5 }, 422, 'validation', ['body', 'name']],
  ['POST', () => '/api/v1/app', { name: '' }, 422, 'validation', ['body', 'name']],
  ['POST', () => '/api/v1/app', { name: 'x'.repeat(257) }, 422, 'validation', ['body', 'name']],
  ['POST', () => '/api/v1/app', { name: 'nul\u0000byte' }, 422, 'validation', ['body', 'name']],
  [
    'POST',
    () => '/api/v1/app',
    { name: 'x', colour: 'blue' },
    422,
    'validation',
    ['body', 'colour'],
  ],
  [
    'POST',
    () => '/api/v1/app',
    { name: 'x', uid: 'has space' },
    422,
    'validation',
    ['body', 'uid'],
  ],
  ['POST', () => '/api/v1/app', { name: 'x', uid: idShaped }, 422, 'validation', ['body', 'uid']],
  ['POST', () => '/api/v1/app', { name: 'x', uid: 'ü' }, 422, 'validation', ['body', 'uid']],
  [
    'POST',
    () => '/api/v1/app',
    { name: 'x', metadata: { a: 1 } },
    422,
    'validation',
    ['body', 'metadata', 'a'],
  ],
  [
    'POST',
    () => '/api/v1/app',
    { name: 'x', rateLimit: 0 },
    422,
    'validation',
    ['body', 'rateLimit'],
  ],
  [
    'POST',
    () => '/api/v1/app',
    { name: 'x', rateLimit: 1.5 },
    422,
    'validation',
    ['body', 'rateLimit'],
  ],
  [
    'POST',
    () => '/api/v1/app',
    { name: 'x', rateLimit: 2, throttleRate: 3 },
    422,
    'validation',
    ['body', 'throttleRate'],
  ],
  [
    'POST',
    () => '/api/v1/app?get_if_exists=maybe',
    { name: 'x' },
    422,
    'validation',
    ['query', 'get_if_exists'],
  ],
  ['PUT', () => `/api/v1/app/${appId}`, {}, 422, 'validation', ['body', 'name']],
  [
    'PUT',
    () => '/api/v1/app/new-uid',
    { name: 'x', uid: 'other-uid' },
    422,
    'validation',
    ['body', 'uid'],
  ],
  ['PATCH', () => `/api/v1/app/${appId}`, { name: null }, 422, 'validation', ['body', 'name']],
  ['PATCH', () => `/api/v1/app/${appId}`, { id: 'app_x' }, 422, 'validation', ['body', 'id']],
  ['GET', () => '/api/v1/app?limit=abc', undefined, 422, 'validation', ['query', 'limit']],
  ['GET', () => '/api/v1/app?limit=0', undefined, 422, 'validation', ['query', 'limit']],
  ['GET', () => '/api/v1/app?limit=251', undefined, 422, 'validation', ['query', 'limit']],
  ['GET', () => '/api/v1/app?order=sideways', undefined, 422, 'validation', ['query', 'order']],
  [
    'GET',
    () => '/api/v1/app?iterator=not%20an%20iterator',
    undefined,
    422,
    'validation',
    ['query', 'iterator'],
  ],
  // Event types
  ['POST', () => '/api/v1/event-type', {}, 422, 'validation', ['body', 'name']],
  ['POST', () => '/api/v1/event-type', { name: 'a.b' }, 422, 'validation', ['body', 'description']],
  [
    'POST',
    () => '/api/v1/event-type',
    { name: 'bad name', description: '' },
    422,
    'validation',
    ['body', 'name'],
  ],
  [
    'POST',
    () => '/api/v1/event-type',
    { name: 'a.b', description: 7 },
    422,
    'validation',
    ['body', 'description'],
  ],
  [
    'POST',
    () => '/api/v1/event-type',
    { name: 'a.b', description: '', schemas: { 1: 'no' } },
    422,
    'validation',
    ['body', 'schemas', '1'],
  ],
  [
    'POST',
    () => '/api/v1/event-type',
    { name: 'a.b', description: '', archived: 'no' },
    422,
    'validation',
    ['body', 'archived'],
  ],
  ['POST', () => '/api/v1/event-type', { name: 'invoice.paid', description: '' }, 409, 'conflict'],
  [
    'PUT',
    () => '/api/v1/event-type/bad%20name',
    { description: '' },
    422,
    'validation',
    ['path', 'event_type_name'],
  ],
  [
    'PATCH',
    () => '/api/v1/event-type/invoice.paid',
    { name: 'renamed' },
    422,
    'validation',
    ['body', 'name'],
  ],
  [
    'GET',
    () => '/api/v1/event-type?include_archived=maybe',
    undefined,
    422,
    'validation',
    ['query', 'include_archived'],
  ],
  [
    'DELETE',
    () => '/api/v1/event-type/invoice.paid?expunge=yes',
    undefined,
    422,
    'validation',
    ['query', 'expunge'],
  ],
  // Endpoints
  ['POST', eps, {}, 422, 'validation', ['body', 'url']],
  ['POST', eps, { url: 'ftp://example.com/x' }, 422, 'validation', ['body', 'url']],
  ['POST', eps, { url: 'not a url' }, 422, 'validation', ['body', 'url']],
  ['POST', eps, { url: 'javascript:alert(1)' }, 422, 'validation', ['body', 'url']],
  ['POST', eps, { url: 'https://user:pw@example.com/x' }, 422, 'validation', ['body', 'url']],
  [
    'POST',
    eps,
    { url: `https://example.com/${'x'.repeat(5000)}` },
    422,
    'validation',
    ['body', 'url'],
  ],
  ['POST', eps, { url, filterTypes: 'invoice.paid' }, 422, 'validation', ['body', 'filterTypes']],
  [
    'POST',
    eps,
    { url, filterTypes: ['invoice.paid', 'invoice.paid'] },
    422,
    'validation',
    ['body', 'filterTypes'],
  ],
  ['POST', eps, { url, filterTypes: ['no.such.type'] }, 422, 'validation', ['body', 'filterTypes']],
  [
    'POST',
    eps,
    { url, filterTypes: ['invoice.paid'], eventTypes: ['invoice.paid'] },
    422,
    'validation',
    ['body', 'eventTypes'],
  ],
  [
    'POST',
    eps,
    { url, channels: Array.from({ length: 11 }, (_, i) => `c${i}`) },
    422,
    'validation',
    ['body', 'channels'],
  ],
  ['POST', eps, { url, channels: ['bad channel'] }, 422, 'validation', ['body', 'channels', 0]],
  ['POST', eps, { url, secret: 'whsec_short' }, 422, 'validation', ['body', 'secret']],
  [
    'POST',
    eps,
    { url, headers: { 'content-type': 'text/plain' } },
    422,
    'validation',
    ['body', 'headers', 'content-type'],
  ],
  [
    'POST',
    eps,
    { url, headers: { 'webhook-signature': 'v1,x' } },
    422,
    'validation',
    ['body', 'headers', 'webhook-signature'],
  ],
  [
    'POST',
    eps,
    { url, headers: { 'x-a': 'one\r\nx-b: two' } },
    422,
    'validation',
    ['body', 'headers', 'x-a'],
  ],
  [
    'POST',
    eps,
    { url, headers: { 'bad header': 'v' } },
    422,
    'validation',
    ['body', 'headers', 'bad header'],
  ],
  ['POST', eps, { url, disabled: 'yes' }, 422, 'validation', ['body', 'disabled']],
  ['POST', eps, { url, uid: 'ep_01m812deav3ykp2txdrvc3tqbg' }, 422, 'validation', ['body', 'uid']],
  ['POST', eps, { url, description: 'a\u0000b' }, 422, 'validation', ['body', 'description']],
  ['PUT', ep, { description: 'no url' }, 422, 'validation', ['body', 'url']],
  [
    'PUT',
    ep,
    { url, secret: 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD' },
    422,
    'validation',
    ['body', 'secret'],
  ],
  ['PATCH', ep, { url: 'gopher://example.com' }, 422, 'validation', ['body', 'url']],
  ['PATCH', ep, { filterTypes: ['no.such.type'] }, 422, 'validation', ['body', 'filterTypes']],
  ['PATCH', ep, { rateLimit: -1 }, 422, 'validation', ['body', 'rateLimit']],
  ['PATCH', ep, { metadata: 'x' }, 422, 'validation', ['body', 'metadata']],
  // Unknown things
  ['GET', () => '/api/v1/nothing-here', undefined, 404, 'not_found'],
  ['GET', () => '/api/v1/app/no-such-app', undefined, 404, 'not_found'],
];

describe('bad input', () => {
  it('answers each case with its status and code, naming the field, and writes nothing', async () => {
    const before = await fingerprint();
    for (const [method, path, body, status, code, loc] of cases) {
      const res = await client.request(method, path(), body);
      const parsed = res.json<{ code: string; detail: unknown }>();
      expect({ method, path: path().slice(0, 80), status: res.status, code: parsed.code }).toEqual({
        method,
        path: path().slice(0, 80),
        status,
        code,
      });
      if (loc !== undefined) {
        expect(parsed.detail, `${method} ${path().slice(0, 80)}`).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ loc, msg: expect.any(String), type: expect.any(String) }),
          ]),
        );
      } else {
        expect(typeof parsed.detail).toBe('string');
      }
    }
    expect(await fingerprint()).toEqual(before);
  });

  it('answers 401 without a key, with a malformed header, or with an unknown key', async () => {
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic abc' },
      { authorization: 'Bearer hrk_unknown' },
    ];
    for (const headers of attempts) {
      const res = await api.anonymous.request('GET', '/api/v1/app', undefined, headers);
      expect(res.status).toBe(401);
      expect(res.json()).toMatchObject({ code: 'unauthorized' });
    }
  });

  it('keeps unicode text intact', async () => {
    const name = 'Clïent 顧客 🚀 مرحبا';
    const app = await client.post('/api/v1/app', { name, metadata: { clé: 'välue ✓' } });
    expect(app.status).toBe(201);
    const read = await client.get(`/api/v1/app/${app.json<{ id: string }>().id}`);
    expect(read.json()).toMatchObject({ name, metadata: { clé: 'välue ✓' } });
  });

  it('reads a JSON body sent without a JSON content type', async () => {
    const res = await new HttpClient(api.url, client.token).request(
      'POST',
      '/api/v1/app',
      '{"name":"form-typed"}',
      {
        'content-type': 'application/x-www-form-urlencoded',
      },
    );
    expect(res.status).toBe(201);
  });
});
