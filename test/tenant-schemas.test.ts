import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient, HttpResponse } from './support/http.ts';

const env = useTestEnv();
const api = useTestApi(env);

interface Tenant {
  client: HttpClient;
  send(eventType: string, payload: unknown): Promise<HttpResponse>;
}

/** A tenant with schema validation on and one application. */
async function validatingTenant(name: string): Promise<Tenant> {
  const { id, client } = await api.newTenant(name);
  await api.admin.patch(`/api/v1/admin/tenants/${id}`, { settings: { validateSchemas: true } });
  const app = (await client.post('/api/v1/app', { name: 'App' })).json<{ id: string }>().id;
  return {
    client,
    send: (eventType, payload) => client.post(`/api/v1/app/${app}/msg`, { eventType, payload }),
  };
}

function expectRefused(res: HttpResponse, type: string, loc?: unknown[]): void {
  expect({ status: res.status, body: res.json() }).toEqual({
    status: 422,
    body: {
      code: 'validation',
      detail: [expect.objectContaining({ type, ...(loc !== undefined && { loc }) })],
    },
  });
}

let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  a = await validatingTenant('A');
  b = await validatingTenant('B');
});

describe('a catastrophic pattern', () => {
  it('answers at once, and requests of other tenants sent alongside it succeed', async () => {
    const created = await a.client.post('/api/v1/event-type', {
      name: 'redos',
      description: '',
      schemas: {
        '1': {
          type: 'object',
          properties: { s: { type: 'string', pattern: '^(a+)+$' } },
          patternProperties: { '^(b+)+$': { type: 'string' } },
        },
      },
    });
    expect(created.status).toBe(201);
    const hostile = `${'a'.repeat(200_000)}!`;
    const results = await Promise.all([
      a.send('redos', { s: hostile }),
      a.send('redos', { ['b'.repeat(200_000)]: 42 }),
      ...Array.from({ length: 10 }, (_, i) => b.send('any.type', { n: i })),
      b.client.get('/api/v1/app'),
    ]);
    expect(results.map((res) => res.status)).toEqual([
      422,
      422,
      ...Array<number>(10).fill(202),
      200,
    ]);
    expectRefused(results[0], 'schema', ['body', 'payload', 's']);
    expect((await a.send('redos', { s: 'aaaa' })).status).toBe(202);
  });
});

describe('event type schemas', () => {
  const write = {
    create: (schema: object) =>
      a.client.post('/api/v1/event-type', {
        name: 'refused.type',
        description: '',
        schemas: { '1': schema },
      }),
    put: (schema: object) =>
      a.client.put('/api/v1/event-type/kept.type', { description: '', schemas: { '1': schema } }),
    patch: (schema: object) =>
      a.client.patch('/api/v1/event-type/kept.type', { schemas: { '1': schema } }),
  };

  beforeAll(async () => {
    await a.client.post('/api/v1/event-type', {
      name: 'kept.type',
      description: '',
      schemas: { '1': { type: 'object', required: ['kept'] } },
    });
  });

  let deep: object = { type: 'string' };
  // 40 levels: past the schema bound (32), within the bound on any request body (64).
  for (let i = 0; i < 20; i++) deep = { properties: { a: deep } };
  const refused: [what: string, schema: object, type: string][] = [
    ['a lookahead', { properties: { s: { pattern: '(?=a)a' } } }, 'schema_pattern_unsupported'],
    ['a backreference', { properties: { s: { pattern: '(a)\\1' } } }, 'schema_pattern_unsupported'],
    ['a broken pattern', { patternProperties: { '(': {} } }, 'schema_invalid'],
    ['a huge schema', { description: 'x'.repeat(70 * 1024) }, 'schema_too_large'],
    ['a schema nested 40 levels deep', deep, 'schema_too_deep'],
    ['an invalid schema', { type: 'text' }, 'schema_invalid'],
    ['an unbounded uniqueItems', { uniqueItems: true }, 'schema_unique_items_unbounded'],
  ];

  it.each(refused)(
    'with %s are refused on create, PUT and PATCH, and nothing changes',
    async (_, schema, type) => {
      for (const [how, send] of Object.entries(write)) {
        const res = await send(schema);
        expect({ how, status: res.status }).toEqual({ how, status: 422 });
        expectRefused(res, type);
      }
      expect((await a.client.get('/api/v1/event-type/refused.type')).status).toBe(404);
      expect(
        (await a.client.get('/api/v1/event-type/kept.type')).json<{ schemas: unknown }>().schemas,
      ).toEqual({ '1': { type: 'object', required: ['kept'] } });
    },
  );

  it('never resolve a $ref against another tenant, even with the same $id', async () => {
    const id = 'https://schemas.example/shared.json';
    await a.client.post('/api/v1/event-type', {
      name: 'owned',
      description: '',
      schemas: { '1': { $id: id, type: 'object', required: ['fromA'] } },
    });
    expectRefused(
      await b.client.post('/api/v1/event-type', {
        name: 'borrower',
        description: '',
        schemas: { '1': { $ref: id } },
      }),
      'schema_invalid',
    );
    const own = await b.client.post('/api/v1/event-type', {
      name: 'owned',
      description: '',
      schemas: { '1': { $id: id, type: 'object', required: ['fromB'] } },
    });
    expect(own.status).toBe(201);
    expect((await a.send('owned', { fromA: 1 })).status).toBe(202);
    expectRefused(await a.send('owned', { fromB: 1 }), 'schema', ['body', 'payload', 'fromA']);
    expect((await b.send('owned', { fromB: 1 })).status).toBe(202);
    expectRefused(await b.send('owned', { fromA: 1 }), 'schema', ['body', 'payload', 'fromB']);
  });

  it('keep validating after any other field is edited; only "schemas": null removes them', async () => {
    await a.client.post('/api/v1/event-type', {
      name: 'edited',
      description: 'first',
      schemas: { '1': { type: 'object', required: ['id'] } },
    });
    const stillChecked = async () =>
      expectRefused(await a.send('edited', {}), 'schema', ['body', 'payload', 'id']);
    await stillChecked();
    expect((await a.client.put('/api/v1/event-type/edited', { description: 'put' })).status).toBe(
      200,
    );
    await stillChecked();
    for (const change of [
      { description: 'patched' },
      { deprecated: true },
      { archived: true },
      { archived: false, groupName: 'billing', featureFlags: ['beta'] },
    ]) {
      expect((await a.client.patch('/api/v1/event-type/edited', change)).status).toBe(200);
      await stillChecked();
    }
    await a.client.put('/api/v1/event-type/edited', { description: 'put', schemas: null });
    expect((await a.send('edited', {})).status).toBe(202);
  });

  it('stored before they were checked, and unusable, refuse payloads instead of passing them', async () => {
    await a.client.post('/api/v1/event-type', { name: 'legacy', description: '' });
    await env.sql.query(
      `update event_types set schemas = $1 where name = 'legacy' and tenant_id = (
         select tenant_id from event_types where name = 'kept.type')`,
      [JSON.stringify({ '1': { properties: { s: { pattern: '(?=x)x' } } } })],
    );
    const res = await a.send('legacy', { s: 'x' });
    expectRefused(res, 'schema_pattern_unsupported', ['body', 'payload']);
    expect(res.json<{ detail: { msg: string }[] }>().detail[0]?.msg).toContain(
      'PUT /api/v1/event-type/legacy',
    );
  });
});
