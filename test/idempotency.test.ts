import type { Id } from '@hookrail/ids';
import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { databaseUrl } from './support/services.ts';
import { waitFor } from './support/wait.ts';

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

  it('a request cut off by a Postgres outage gives its key back once Postgres returns', async () => {
    const { client } = await api.newTenant();
    const app = (await client.post('/api/v1/app', { name: 'Outage' })).json<{ id: string }>();
    const name = new URL(env.databaseUrl).pathname.slice(1);
    const admin = new pg.Client({
      connectionString: databaseUrl(inject('postgresUrl'), 'postgres'),
    });
    await admin.connect();
    // Holding the application row makes the message's insert wait (its foreign key check), so
    // the request has claimed its key when Postgres goes away.
    const blocker = new pg.Client({ connectionString: env.databaseUrl });
    blocker.on('error', () => undefined); // terminated below, on purpose
    await blocker.connect();
    await blocker.query('begin');
    await blocker.query('select id from applications where id = $1 for update', [app.id]);
    const send = () =>
      client.post(
        `/api/v1/app/${app.id}/msg`,
        { eventType: 'a.b', payload: {} },
        { 'idempotency-key': 'cut-off' },
      );
    const first = send();
    try {
      await waitFor('the request to wait on the row lock', async () => {
        const { rows } = await admin.query(
          "select 1 from pg_stat_activity where datname = $1 and wait_event_type = 'Lock'",
          [name],
        );
        return rows.length > 0;
      });
      await admin.query(`alter database "${name}" allow_connections false`);
      await admin.query(
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1',
        [name],
      );
      const answer = await first;
      expect(answer.status).toBe(503);
      expect(answer.json()).toMatchObject({ code: 'unavailable' });
    } finally {
      await admin.query(`alter database "${name}" allow_connections true`);
      await admin.end();
      await blocker.end().catch(() => undefined);
    }
    // The claim is given back in the background, well before it would count as abandoned...
    await waitFor('the key to be given back', async () => {
      const { rows } = await env.sql.query("select 1 from idempotency_keys where key = 'cut-off'");
      return rows.length === 0;
    });
    // ...so asking again does the work, once.
    const again = await send();
    expect(again.status).toBe(202);
    const replay = await send();
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const { rows } = await env.sql.query(
      'select count(*)::int as n from messages where app_id = $1',
      [app.id],
    );
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('a late write from an abandoned claim does not touch the claim that took over', async () => {
    const { id: tenantId } = await api.newTenant();
    const db = await import('@hookrail/db');
    const database = db.createDatabase({ url: env.databaseUrl, max: 1 });
    try {
      const input = {
        tenantId: tenantId as Id<'tenant'>,
        scope: 'tenant',
        key: 'late',
        fingerprint: 'f',
        ttlMs: 60_000,
      };
      const stale = await db.claimIdempotencyKey(database.db, input);
      await env.sql.query(
        `update idempotency_keys set created_at = now() - interval '1 hour' where key = 'late'`,
      );
      const current = await db.claimIdempotencyKey(database.db, input);
      if (stale.kind !== 'claimed' || current.kind !== 'claimed') throw new Error('not claimed');
      expect(current.token).not.toBe(stale.token);

      await db.releaseIdempotencyKey(database.db, { ...input, token: stale.token });
      await db.completeIdempotencyKey(database.db, {
        ...input,
        token: stale.token,
        status: 500,
        body: '',
      });
      const { rows } = await env.sql.query<{ status: string }>(
        `select status from idempotency_keys where key = 'late'`,
      );
      expect(rows).toEqual([{ status: 'in_progress' }]);
      await db.completeIdempotencyKey(database.db, {
        ...input,
        token: current.token,
        status: 201,
        body: '',
      });
      expect(await db.claimIdempotencyKey(database.db, input)).toEqual({
        kind: 'replay',
        status: 201,
        body: '',
      });
    } finally {
      await database.close();
    }
  });
});
