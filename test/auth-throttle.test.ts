import { startApi } from '@hookrail/api';
import { createLogger } from '@hookrail/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApiConfig, testAdminToken, useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient, type HttpResponse } from './support/http.ts';
import { PrivateRedis } from './support/private-redis.ts';

// The allowance: 20 failed authentications per client address per 5-minute window.
const limit = 20;

const env = useTestEnv();
// Two instances on one Redis, and one that believes X-Forwarded-For from loopback.
const first = useTestApi(env);
const second = useTestApi(env);
const behindProxy = useTestApi(env, { HOOKRAIL_TRUST_PROXY: '127.0.0.1,::1' });

let apiKey: string;
beforeAll(async () => {
  apiKey = (await first.newTenant()).apiKey;
});

function withKey(url: string, key: string, headers: Record<string, string> = {}) {
  return new HttpClient(url).request('GET', '/api/v1/app', undefined, {
    authorization: `Bearer ${key}`,
    ...headers,
  });
}

async function fail(url: string, times: number, headers: Record<string, string> = {}) {
  const answers: HttpResponse[] = [];
  for (let i = 0; i < times; i++) answers.push(await withKey(url, `hrk_guess${i}`, headers));
  return answers;
}

describe('failed authentication', () => {
  it('answers 429 auth_throttled with Retry-After once an address has failed too often, counted across instances; a valid key still passes', async () => {
    const early = await fail(first.url, limit / 2);
    const late = await fail(second.url, limit / 2);
    expect([...early, ...late].map((r) => r.status)).toEqual(Array(limit).fill(401));

    const over = await withKey(second.url, 'hrk_one-more');
    expect(over.status).toBe(429);
    expect(over.json()).toMatchObject({ code: 'auth_throttled' });
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(300);
    // The other instance counts the same address.
    expect((await withKey(first.url, 'hrk_and-more')).status).toBe(429);
    // A wrong admin token from the address is throttled too.
    const admin = await new HttpClient(first.url, 'not-the-admin-token').get(
      '/api/v1/admin/tenants',
    );
    expect(admin.status).toBe(429);

    // Without a trusted proxy, X-Forwarded-For is the client's word: it changes nothing.
    const spoofed = await withKey(first.url, 'hrk_spoofed', { 'x-forwarded-for': '198.51.100.1' });
    expect(spoofed.status).toBe(429);

    // Valid credentials from the throttled address are never refused.
    expect((await withKey(first.url, apiKey)).status).toBe(200);
    expect((await withKey(second.url, apiKey)).status).toBe(200);
    expect(
      (await new HttpClient(first.url, testAdminToken).get('/api/v1/admin/tenants')).status,
    ).toBe(200);
  });

  it('tells clients apart by X-Forwarded-For only when the proxy is trusted', async () => {
    const guesser = { 'x-forwarded-for': '203.0.113.7' };
    const answers = await fail(behindProxy.url, limit + 1, guesser);
    expect(answers.map((r) => r.status)).toEqual([...Array(limit).fill(401), 429]);
    // Another client behind the same proxy is not held back by the guesser.
    const neighbour = await withKey(behindProxy.url, 'hrk_typo', {
      'x-forwarded-for': '203.0.113.8',
    });
    expect(neighbour.status).toBe(401);
    // A portal token is a signed JWT, not a guessable secret: its failures are not counted.
    const jwt = await withKey(behindProxy.url, 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln', guesser);
    expect(jwt.status).toBe(401);
  });
});

describe('failed authentication with Redis unreachable', () => {
  const redis = new PrivateRedis();
  let running: Awaited<ReturnType<typeof startApi>> | undefined;
  afterAll(async () => {
    await running?.close();
    await redis.stop();
  });

  it('answers 401, never 429, and valid keys pass', async () => {
    await redis.start();
    const config = testApiConfig(env, { REDIS_URL: redis.url });
    running = await startApi(config, createLogger({ name: 'api', level: 'silent' }), {
      host: '127.0.0.1',
    });
    const url = `http://127.0.0.1:${running.port}`;
    await redis.stop();
    const answers = await fail(url, limit + 5);
    expect(answers.map((r) => r.status)).toEqual(Array(limit + 5).fill(401));
    expect((await withKey(url, apiKey)).status).toBe(200);
  });
});
