import { startApi } from '@hookrail/api';
import { createLogger } from '@hookrail/logger';
import { afterAll, describe, expect, it } from 'vitest';
import { testApiConfig, useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient, type HttpResponse } from './support/http.ts';
import { PrivateRedis } from './support/private-redis.ts';

// One message per 1000 s after a burst of 3: within a test, the burst is all there is.
const limited = { HOOKRAIL_TENANT_RATE: '0.001', HOOKRAIL_TENANT_BURST: '3' };

const env = useTestEnv();
// Two instances sharing one Redis and the limit, and one with no default limit.
const first = useTestApi(env, limited);
const second = useTestApi(env, limited);
const unlimited = useTestApi(env);

/** A tenant of `api` with one application (no endpoints: messages deliver nothing). */
async function tenantWithApp(api: typeof first) {
  const tenant = await api.newTenant();
  await tenant.client.post('/api/v1/app', { name: 'Customer', uid: 'customer' });
  return tenant;
}

const send = (client: HttpClient, i: number, headers: Record<string, string> = {}) =>
  client.post('/api/v1/app/customer/msg', { eventType: 'a.b', payload: { i } }, headers);

async function sendMany(client: HttpClient, count: number): Promise<HttpResponse[]> {
  const answers: HttpResponse[] = [];
  for (let i = 0; i < count; i++) answers.push(await send(client, i));
  return answers;
}

async function stored(tenantId: string): Promise<number> {
  const { rows } = await env.sql.query<{ n: number }>(
    'select count(*)::int as n from messages where tenant_id = $1',
    [tenantId],
  );
  return rows[0]?.n ?? 0;
}

function expectRateLimited(answer: HttpResponse | undefined): void {
  expect(answer?.status).toBe(429);
  expect(answer?.json()).toMatchObject({ code: 'rate_limited' });
  const retryAfter = answer?.headers.get('retry-after') ?? '';
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
}

describe('the per-tenant ingest limit', () => {
  it('answers 429 rate_limited with Retry-After past the burst, counted across instances, and stores nothing for it', async () => {
    const tenant = await tenantWithApp(first);
    const onSecond = new HttpClient(second.url, tenant.apiKey);
    const answers = [...(await sendMany(tenant.client, 2)), ...(await sendMany(onSecond, 1))];
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
    expectRateLimited(await send(onSecond, 3));
    expectRateLimited(await send(tenant.client, 4));
    expect(await stored(tenant.id)).toBe(3);
    // Reading is never limited.
    expect((await tenant.client.get('/api/v1/app/customer/msg')).status).toBe(200);
  });

  it('leaves another tenant its own allowance', async () => {
    const noisy = await tenantWithApp(first);
    await sendMany(noisy.client, 3);
    expectRateLimited(await send(noisy.client, 3));
    const quiet = await tenantWithApp(first);
    const answers = await sendMany(quiet.client, 3);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202]);
  });

  it("follows the operator's setting for a tenant over the default, both ways", async () => {
    const big = await tenantWithApp(first);
    const patched = await first.admin.patch(`/api/v1/admin/tenants/${big.id}`, {
      settings: { ingestRate: 1000, ingestBurst: 10 },
    });
    expect(patched.json()).toMatchObject({ settings: { ingestRate: 1000, ingestBurst: 10 } });
    const answers = await sendMany(big.client, 6);
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(202));

    // On an instance with no default, only the tenant the operator limited is limited.
    const small = await tenantWithApp(unlimited);
    await unlimited.admin.patch(`/api/v1/admin/tenants/${small.id}`, {
      settings: { ingestRate: 0.001, ingestBurst: 1 },
    });
    expect((await send(small.client, 0)).status).toBe(202);
    // A refused request with an Idempotency-Key is not kept: once allowed, the same key works.
    expectRateLimited(await send(small.client, 1, { 'idempotency-key': 'once-allowed' }));
    await unlimited.admin.patch(`/api/v1/admin/tenants/${small.id}`, {
      settings: { ingestRate: null, ingestBurst: null },
    });
    expect((await send(small.client, 1, { 'idempotency-key': 'once-allowed' })).status).toBe(202);
    const other = await tenantWithApp(unlimited);
    expect((await sendMany(other.client, 5)).map((a) => a.status)).toEqual(Array(5).fill(202));
  });

  it('refuses a setting that is not a positive rate or a whole burst', async () => {
    const tenant = await first.newTenant();
    for (const settings of [{ ingestRate: 0 }, { ingestRate: -1 }, { ingestBurst: 1.5 }]) {
      const answer = await first.admin.patch(`/api/v1/admin/tenants/${tenant.id}`, { settings });
      expect(answer.status).toBe(422);
    }
  });
});

describe('the per-tenant ingest limit with Redis unreachable', () => {
  const redis = new PrivateRedis();
  let running: Awaited<ReturnType<typeof startApi>> | undefined;
  afterAll(async () => {
    await running?.close();
    await redis.stop();
  });

  it('lets messages through rather than refusing ingest', async () => {
    await redis.start();
    const config = testApiConfig(env, { ...limited, REDIS_URL: redis.url });
    running = await startApi(config, createLogger({ name: 'api', level: 'silent' }), {
      host: '127.0.0.1',
    });
    const url = `http://127.0.0.1:${running.port}`;
    const tenant = await tenantWithApp(first);
    const client = new HttpClient(url, tenant.apiKey);
    await redis.stop();
    const answers = await sendMany(client, 5);
    expect(answers.map((a) => a.status)).toEqual(Array(5).fill(202));
    expect(await stored(tenant.id)).toBe(5);
  });
});
