import { describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';

const env = useTestEnv();
const api = useTestApi(env);

describe('Idempotency-Key on POST', () => {
  it('two concurrent requests with one key create one message, and both get its response', async () => {
    const { client } = await api.newTenant();
    const app = (await client.post('/api/v1/app', { name: 'App' })).json<{ id: string }>();
    await client.post(`/api/v1/app/${app.id}/endpoint`, { url: 'https://example.com/hook' });
    const body = { eventType: 'a.b', payload: { n: 1 } };
    const send = () =>
      client.post(`/api/v1/app/${app.id}/msg`, body, { 'idempotency-key': 'race-1' });
    const responses = await Promise.all([send(), send(), send(), send()]);
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202]);
    expect(new Set(responses.map((r) => r.text)).size).toBe(1);
    expect(responses.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(
      3,
    );
    const { rows } = await env.sql.query(
      'select count(*)::int as n from messages where app_id = $1',
      [app.id],
    );
    expect(rows[0]).toEqual({ n: 1 });
    const deliveries = await env.sql.query(
      'select count(*)::int as n from deliveries where app_id = $1',
      [app.id],
    );
    expect(deliveries.rows[0]).toEqual({ n: 1 });
  });

  it('replays the first response later, status and body, without doing the work again', async () => {
    const { client } = await api.newTenant();
    const first = await client.post(
      '/api/v1/app',
      { name: 'Once' },
      { 'idempotency-key': 'create-once' },
    );
    const second = await client.post(
      '/api/v1/app',
      { name: 'Once' },
      { 'idempotency-key': 'create-once' },
    );
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.text).toBe(first.text);
    expect((await client.get('/api/v1/app')).json<{ data: unknown[] }>().data).toHaveLength(1);
    // Errors are replayed too: the same mistake gets the same answer.
    const bad1 = await client.post(
      '/api/v1/app',
      { nome: 'typo' },
      { 'idempotency-key': 'bad-once' },
    );
    const bad2 = await client.post(
      '/api/v1/app',
      { nome: 'typo' },
      { 'idempotency-key': 'bad-once' },
    );
    expect([bad1.status, bad2.status]).toEqual([422, 422]);
    expect(bad2.text).toBe(bad1.text);
  });

  it('refuses the same key with a different body, and keeps keys apart per tenant', async () => {
    const a = await api.newTenant();
    const b = await api.newTenant();
    await a.client.post('/api/v1/app', { name: 'First' }, { 'idempotency-key': 'shared' });
    const reused = await a.client.post(
      '/api/v1/app',
      { name: 'Second' },
      { 'idempotency-key': 'shared' },
    );
    expect(reused.status).toBe(409);
    expect(reused.json()).toMatchObject({ code: 'idempotency_key_reused' });
    const other = await b.client.post(
      '/api/v1/app',
      { name: 'Second' },
      { 'idempotency-key': 'shared' },
    );
    expect(other.status).toBe(201);
    expect(other.json()).toMatchObject({ name: 'Second' });
  });

  it('answers 204 replays without a body, and refuses malformed keys', async () => {
    const { client } = await api.newTenant();
    const app = (await client.post('/api/v1/app', { name: 'App' })).json<{ id: string }>();
    const ep = (
      await client.post(`/api/v1/app/${app.id}/endpoint`, { url: 'https://example.com/h' })
    ).json<{
      id: string;
    }>();
    const path = `/api/v1/app/${app.id}/endpoint/${ep.id}/secret/rotate`;
    const secretBefore = await env.sql.query(
      'select count(*)::int as n from endpoint_secrets where endpoint_id = $1',
      [ep.id],
    );
    expect((await client.post(path, {}, { 'idempotency-key': 'rotate-1' })).status).toBe(204);
    const replay = await client.post(path, {}, { 'idempotency-key': 'rotate-1' });
    expect(replay.status).toBe(204);
    expect(replay.text).toBe('');
    const secretsAfter = await env.sql.query(
      'select count(*)::int as n from endpoint_secrets where endpoint_id = $1',
      [ep.id],
    );
    // One rotation: one secret more, not two.
    expect(secretsAfter.rows[0]).toEqual({ n: (secretBefore.rows[0] as { n: number }).n + 1 });

    const malformed = await client.post(
      '/api/v1/app',
      { name: 'x' },
      { 'idempotency-key': 'x'.repeat(300) },
    );
    expect(malformed.status).toBe(400);
    expect(malformed.json()).toMatchObject({ code: 'invalid_idempotency_key' });
  });

  it('expired keys are cleaned up and can be used again', async () => {
    const { client, id } = await api.newTenant();
    await client.post('/api/v1/app', { name: 'Old' }, { 'idempotency-key': 'old-key' });
    await env.sql.query(
      `update idempotency_keys set expires_at = now() - interval '1 second' where tenant_id = $1`,
      [id],
    );
    const { deleteExpiredIdempotencyKeys, createDatabase } = await import('@hookrail/db');
    const database = createDatabase({ url: env.databaseUrl, max: 1 });
    try {
      expect(await deleteExpiredIdempotencyKeys(database.db)).toBeGreaterThanOrEqual(1);
    } finally {
      await database.close();
    }
    const again = await client.post(
      '/api/v1/app',
      { name: 'New' },
      { 'idempotency-key': 'old-key' },
    );
    expect(again.status).toBe(201);
    expect(again.json()).toMatchObject({ name: 'New' });
  });
});
