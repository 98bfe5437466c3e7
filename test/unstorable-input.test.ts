import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';

const env = useTestEnv();
const api = useTestApi(env);

let client: HttpClient;
let tenantId: string;
let appId: string;

beforeAll(async () => {
  const tenant = await api.newTenant();
  client = tenant.client;
  tenantId = tenant.id;
  appId = (await client.post('/api/v1/app', { name: 'App', uid: 'app-1' })).json<{ id: string }>()
    .id;
});

type Issue = { loc: unknown[]; type: string };

describe('input Postgres cannot store', () => {
  it('is refused with 422 wherever it is: NUL and unpaired surrogates in any field or key', async () => {
    const cases: [string, string, unknown, unknown[]][] = [
      [
        'POST',
        '/api/v1/app',
        { name: 'ok', metadata: { k: 'a\u0000b' } },
        ['body', 'metadata', 'k'],
      ],
      ['POST', '/api/v1/app', { name: 'lone \ud800' }, ['body', 'name']],
      [
        'POST',
        '/api/v1/app',
        { name: 'ok', metadata: { ['\udc00']: 'v' } },
        ['body', 'metadata', '\udc00'],
      ],
      [
        'POST',
        '/api/v1/event-type',
        { name: 'a.b', description: '', schemas: { 1: { examples: ['\u0000'] } } },
        ['body', 'schemas', '1', 'examples', 0],
      ],
      [
        'POST',
        `/api/v1/app/${appId}/endpoint`,
        { url: 'https://example.com/x', headers: { 'x-a': '\ud83d' } },
        ['body', 'headers', 'x-a'],
      ],
      ['GET', `/api/v1/app/${appId}/msg?channel=%00`, undefined, ['query', 'channel']],
    ];
    for (const [method, path, body, loc] of cases) {
      const res = await client.request(method, path, body);
      expect(res.status, `${method} ${path}`).toBe(422);
      const { code, detail } = res.json<{ code: string; detail: Issue[] }>();
      expect(code).toBe('validation');
      expect(detail).toContainEqual(expect.objectContaining({ loc, type: 'unstorable_text' }));
    }
    const { rows } = await env.sql.query('select count(*)::int as n from applications');
    expect(rows[0]).toEqual({ n: 1 });
  });

  it("is kept intact in a message's payload, as JSON escapes, and read back as sent", async () => {
    const payload = { nul: 'a\u0000b', high: 'x\ud800', pair: '😀', ['k\u0000']: 1 };
    const sent = await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload });
    expect(sent.status).toBe(202);
    const id = sent.json<{ id: string }>().id;
    const read = await client.get(`/api/v1/app/${appId}/msg/${id}`);
    expect(read.json<{ payload: unknown }>().payload).toEqual(payload);
    const { rows } = await env.sql.query<{ payload: string }>(
      'select payload from messages where id = $1',
      [id],
    );
    expect(rows[0]?.payload).toBe(JSON.stringify(payload));
  });

  it('refuses JSON nested deeper than 64 levels, payloads included', async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100; i++) deep = { a: deep };
    const res = await client.post(`/api/v1/app/${appId}/msg`, {
      eventType: 'a.b',
      payload: { deep },
    });
    expect(res.status).toBe(422);
    expect(res.json<{ detail: Issue[] }>().detail[0]).toMatchObject({ type: 'too_deep' });
  });

  it('refuses dates that fall outside the years 0001 to 9999 once their offset is applied', async () => {
    const ep = await client.post(`/api/v1/app/${appId}/endpoint`, { url: 'https://example.com/x' });
    const recover = `/api/v1/app/${appId}/endpoint/${ep.json<{ id: string }>().id}/recover`;
    for (const since of ['9999-12-31T23:59:59-23:59', '0001-01-01T00:00:00+00:01']) {
      const res = await client.post(recover, { since });
      expect(res.status, since).toBe(422);
      expect(res.json<{ detail: Issue[] }>().detail[0]).toMatchObject({ loc: ['body', 'since'] });
    }
    const late = await client.post(`/api/v1/app/${appId}/msg`, {
      eventType: 'a.b',
      payload: {},
      deliverAt: '9999-12-31T23:59:59-23:59',
    });
    expect(late.status).toBe(422);
    const query = await client.get(`/api/v1/app/${appId}/msg?before=9999-12-31T23:59:59-23:59`);
    expect(query.status).toBe(422);
  });

  it('answers 400 invalid_path for a NUL or malformed percent-encoding in the path', async () => {
    for (const segment of ['%00', 'a%00b', '%E0%A4%A', '%ED%A0%80', '%']) {
      for (const path of [`/api/v1/app/${segment}`, `/api/v1/app/${appId}/msg/${segment}`]) {
        const res = await client.get(path);
        expect({ path, status: res.status, code: res.json().code }).toEqual({
          path,
          status: 400,
          code: 'invalid_path',
        });
      }
    }
  });

  it('answers a URL over 16 KiB with 431 and the error shape', async () => {
    const res = await client.get(`/api/v1/app?iterator=${'x'.repeat(20_000)}`);
    expect(res.status).toBe(431);
    expect(res.json()).toMatchObject({ code: 'headers_too_large' });
  });

  it('does not create the inline application of a message that is refused', async () => {
    await api.admin.patch(`/api/v1/admin/tenants/${tenantId}`, {
      settings: { validateSchemas: true },
    });
    await client.post('/api/v1/event-type', {
      name: 'needs.n',
      description: '',
      schemas: { 1: { type: 'object', required: ['n'] } },
    });
    const refused = await client.post('/api/v1/app/inline-new/msg', {
      eventType: 'needs.n',
      payload: {},
      application: { name: 'Inline' },
    });
    expect(refused.status).toBe(422);
    expect((await client.get('/api/v1/app/inline-new')).status).toBe(404);
    const accepted = await client.post('/api/v1/app/inline-new/msg', {
      eventType: 'needs.n',
      payload: { n: 1 },
      application: { name: 'Inline' },
    });
    expect(accepted.status).toBe(202);
    expect((await client.get('/api/v1/app/inline-new')).status).toBe(200);
  });
});
