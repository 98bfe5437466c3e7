import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';

const env = useTestEnv();
const api = useTestApi(env);

interface EventType {
  name: string;
  description: string;
  archived: boolean;
  deprecated: boolean;
  schemas: Record<string, unknown> | null;
}

let client: HttpClient;
beforeAll(async () => {
  client = (await api.newTenant()).client;
});

const schema = {
  '1': { type: 'object', properties: { invoiceId: { type: 'string' } }, required: ['invoiceId'] },
};

describe('event types', () => {
  it('are created with a description and schemas and read back by name', async () => {
    const res = await client.post('/api/v1/event-type', {
      name: 'invoice.paid',
      description: 'An invoice was paid',
      schemas: schema,
    });
    expect(res.status).toBe(201);
    expect(res.json<EventType>()).toMatchObject({
      name: 'invoice.paid',
      description: 'An invoice was paid',
      archived: false,
      schemas: schema,
    });
    expect((await client.get('/api/v1/event-type/invoice.paid')).json<EventType>().schemas).toEqual(
      schema,
    );
  });

  it('refuse a duplicate name with 409', async () => {
    await client.post('/api/v1/event-type', { name: 'dup.type', description: '' });
    const res = await client.post('/api/v1/event-type', { name: 'dup.type', description: 'again' });
    expect(res.status).toBe(409);
    expect(res.json()).toMatchObject({ code: 'conflict' });
    expect((await client.get('/api/v1/event-type/dup.type')).json<EventType>().description).toBe(
      '',
    );
  });

  it('are archived by DELETE, hidden from lists unless asked, and removed by expunge', async () => {
    await client.post('/api/v1/event-type', { name: 'old.type', description: 'old' });
    expect((await client.delete('/api/v1/event-type/old.type')).status).toBe(204);
    expect((await client.get('/api/v1/event-type/old.type')).json<EventType>().archived).toBe(true);

    const names = async (query: string) =>
      (await client.get(`/api/v1/event-type${query}`))
        .json<{ data: EventType[] }>()
        .data.map((t) => t.name);
    expect(await names('')).not.toContain('old.type');
    expect(await names('?include_archived=true')).toContain('old.type');

    const again = await client.post('/api/v1/event-type', { name: 'old.type', description: 'x' });
    expect(again.status).toBe(409);
    expect(again.json<{ detail: string }>().detail).toContain('archived');

    expect((await client.delete('/api/v1/event-type/old.type?expunge=true')).status).toBe(204);
    expect((await client.get('/api/v1/event-type/old.type')).status).toBe(404);
    expect((await client.delete('/api/v1/event-type/old.type')).status).toBe(404);
  });

  it('are listed by name, with schemas only when with_content is set', async () => {
    const { client: fresh } = await api.newTenant();
    for (const name of ['c.c', 'a.a', 'b.b']) {
      await fresh.post('/api/v1/event-type', { name, description: name, schemas: schema });
    }
    const plain = (await fresh.get('/api/v1/event-type')).json<{ data: EventType[] }>();
    expect(plain.data.map((t) => t.name)).toEqual(['a.a', 'b.b', 'c.c']);
    expect(plain.data.every((t) => t.schemas === null)).toBe(true);
    const full = (
      await fresh.get('/api/v1/event-type?with_content=true&limit=1&iterator=a.a')
    ).json<{
      data: EventType[];
    }>();
    expect(full.data).toEqual([expect.objectContaining({ name: 'b.b', schemas: schema })]);
  });

  it('are replaced by PUT (creating a new name) and patched by PATCH', async () => {
    const created = await client.put('/api/v1/event-type/user.signup', {
      description: 'Signed up',
    });
    expect(created.status).toBe(201);
    const replaced = await client.put('/api/v1/event-type/user.signup', {
      description: 'Replaced',
      deprecated: true,
    });
    expect(replaced.status).toBe(200);
    expect(replaced.json<EventType>()).toMatchObject({ description: 'Replaced', deprecated: true });
    const patched = await client.patch('/api/v1/event-type/user.signup', { archived: true });
    expect(patched.json<EventType>()).toMatchObject({
      description: 'Replaced',
      deprecated: true,
      archived: true,
    });
    expect((await client.patch('/api/v1/event-type/no.such', { archived: true })).status).toBe(404);
  });
});
