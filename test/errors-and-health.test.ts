import { describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { databaseUrl } from './support/services.ts';

const env = useTestEnv();
const api = useTestApi(env);

async function asAdmin(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl(inject('postgresUrl'), 'postgres') });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

function databaseName(): string {
  return new URL(env.databaseUrl).pathname.slice(1);
}

describe('errors and health', () => {
  it('every response carries a request id, echoing a sane one the caller sent', async () => {
    const { client } = await api.newTenant();
    for (const res of [
      await client.get('/api/v1/app'),
      await client.get('/api/v1/app/missing'),
      await client.post('/api/v1/app', {}),
      await api.anonymous.get('/api/v1/app'),
      await api.anonymous.get('/health'),
    ]) {
      expect(res.headers.get('x-request-id')).toMatch(/^req_[A-Za-z0-9_-]{16}$/);
    }
    const echoed = await client.request('GET', '/api/v1/app', undefined, {
      'x-request-id': 'trace-123',
    });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
    const refused = await client.request('GET', '/api/v1/app', undefined, {
      'x-request-id': 'x'.repeat(300),
    });
    expect(refused.headers.get('x-request-id')).toMatch(/^req_/);
  });

  it('an unexpected error answers 500 with the request id and no stack trace', async () => {
    const { client } = await api.newTenant();
    await env.sql.query('alter table applications rename to applications_away');
    try {
      const res = await client.get('/api/v1/app');
      expect(res.status).toBe(500);
      const body = res.json<{ code: string; detail: string }>();
      expect(body.code).toBe('internal');
      expect(body.detail).toContain(res.headers.get('x-request-id') ?? 'missing');
      expect(res.text).not.toMatch(/at .*\.ts|applications_away|relation/);
    } finally {
      await env.sql.query('alter table applications_away rename to applications');
    }
  });

  it('answers 503 unavailable while Postgres refuses connections, and recovers after', async () => {
    const { client } = await api.newTenant();
    const name = databaseName();
    await asAdmin(`alter database "${name}" allow_connections false`);
    await asAdmin(
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`,
    );
    try {
      const res = await client.get('/api/v1/app');
      expect(res.status).toBe(503);
      expect(res.json()).toMatchObject({ code: 'unavailable' });
      const health = await api.anonymous.get('/health');
      expect(health.status).toBe(503);
      expect(health.json()).toEqual({ status: 'unavailable', postgres: 'down', redis: 'ok' });
      // Liveness touches neither: the process is up, restarting it would not bring Postgres back.
      const live = await api.anonymous.get('/health/live');
      expect(live.status).toBe(200);
      expect(live.json()).toEqual({ status: 'ok' });
    } finally {
      await asAdmin(`alter database "${name}" allow_connections true`);
    }
    expect((await client.get('/api/v1/app')).status).toBe(200);
    expect((await api.anonymous.get('/health')).status).toBe(200);
  });
});

describe('the root page', () => {
  it('points a person to the dashboard and the API reference, as HTML or as JSON', async () => {
    const page = await api.anonymous.request('GET', '/', undefined, { accept: 'text/html' });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('href="/dashboard"');
    expect(page.text).toContain('href="/docs"');
    const json = await api.anonymous.request('GET', '/', undefined, {
      accept: 'application/json',
    });
    expect(json.json()).toMatchObject({ dashboard: '/dashboard', reference: '/docs' });
  });
});

describe('health with Redis unreachable', () => {
  const noRedis = useTestApi(env, { REDIS_URL: 'redis://127.0.0.1:1' });

  it('answers 503 naming Redis, while the tenant API keeps serving', async () => {
    const health = await noRedis.anonymous.get('/health');
    expect(health.status).toBe(503);
    expect(health.json()).toEqual({ status: 'unavailable', postgres: 'ok', redis: 'down' });
    expect((await noRedis.anonymous.get('/health/live')).status).toBe(200);
    const { client } = await noRedis.newTenant();
    expect((await client.get('/api/v1/app')).status).toBe(200);
  });

  it('still accepts messages: 202 means the message and its deliveries are in Postgres', async () => {
    const { client } = await noRedis.newTenant();
    const app = (await client.post('/api/v1/app', { name: 'App' })).json<{ id: string }>();
    await client.post(`/api/v1/app/${app.id}/endpoint`, { url: 'https://example.com/hook' });
    const res = await client.post(`/api/v1/app/${app.id}/msg`, {
      eventType: 'a.b',
      payload: { n: 1 },
    });
    expect(res.status).toBe(202);
    const msgId = res.json<{ id: string }>().id;
    const { rows } = await env.sql.query<{ status: string; next_attempt_at: Date | null }>(
      'select status, next_attempt_at from deliveries where message_id = $1',
      [msgId],
    );
    expect(rows).toEqual([{ status: 'pending', next_attempt_at: expect.any(Date) }]);
  });
});
