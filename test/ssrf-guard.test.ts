import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { Receiver, useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

// Only 127.0.0.1 is allowed. A second receiver listens on 127.0.0.2: nothing may reach it.
const env = useTestEnv();
const api = useTestApi(env, { HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.1/32' });
// An API that lets any loopback address be registered, to show the worker still refuses.
const lenientApi = useTestApi(env, { HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.0/8' });
const strictApi = useTestApi(env, { HOOKRAIL_HTTPS_ONLY: 'true' });
const lookups: string[] = [];
const names: Record<string, string> = {
  'allowed.test': '127.0.0.1',
  'forbidden.test': '127.0.0.2',
};
useTestWorker(
  env,
  { HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.1/32', HOOKRAIL_RETRY_SCHEDULE: 'none' },
  {
    resolve: (hostname) => {
      lookups.push(hostname);
      const address = names[hostname];
      return Promise.resolve(address === undefined ? [] : [{ address, family: 4 }]);
    },
  },
);
const allowed = useReceiver();
const forbidden = new Receiver();
beforeAll(async () => {
  await forbidden.start('127.0.0.2');
  return () => forbidden.close();
});

let client: HttpClient;
let appId: string;
beforeAll(async () => {
  const tenant = await api.newTenant();
  client = tenant.client;
  appId = (await client.post('/api/v1/app', { name: 'Guarded' })).json<{ id: string }>().id;
});

interface Attempt {
  responseStatusCode: number;
  error: string | null;
}

async function attemptOf(url: string, via = client): Promise<Attempt> {
  const ep = await via.post(`/api/v1/app/${appId}/endpoint`, { url });
  expect(ep.status).toBe(201);
  const endpointId = ep.json<{ id: string }>().id;
  await via.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: {} });
  const attempt = await waitFor(`an attempt to ${url}`, async () => {
    const list = (await via.get(`/api/v1/app/${appId}/attempt/endpoint/${endpointId}`)).json<{
      data: Attempt[];
    }>();
    return list.data[0];
  });
  await via.delete(`/api/v1/app/${appId}/endpoint/${endpointId}`);
  return attempt;
}

describe('the SSRF guard', () => {
  it('refuses address literals outside the allowed networks when the endpoint is created', async () => {
    const port = new URL(forbidden.url).port;
    for (const url of [
      `http://127.0.0.2:${port}/x`,
      `http://[::ffff:127.0.0.2]:${port}/x`,
      `http://2130706434:${port}/x`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/x',
      'http://10.0.0.1/x',
    ]) {
      const res = await client.post(`/api/v1/app/${appId}/endpoint`, { url });
      expect({ url, status: res.status }).toEqual({ url, status: 422 });
      expect(res.json()).toMatchObject({
        code: 'validation',
        detail: [
          {
            loc: ['body', 'url'],
            type: 'blocked_address',
            msg: expect.stringContaining('HOOKRAIL_ALLOWED_NETWORKS'),
          },
        ],
      });
    }
  });

  it('judges host names when it resolves them, once, and connects to the address it checked', async () => {
    const port = new URL(allowed.url).port;
    const ok = await attemptOf(`http://allowed.test:${port}/named`);
    expect(ok).toMatchObject({ responseStatusCode: 200, error: null });
    expect(allowed.requestsTo('/named')).toHaveLength(1);

    const before = lookups.length;
    const refused = await attemptOf(`http://forbidden.test:${new URL(forbidden.url).port}/named`);
    expect(refused).toMatchObject({
      responseStatusCode: 0,
      error: expect.stringMatching(/^blocked_address: forbidden\.test/),
    });
    expect(lookups.slice(before)).toEqual(['forbidden.test']);
  });

  it('still refuses, at delivery, a literal that was registered while it was allowed', async () => {
    const lenient = (await lenientApi.newTenant()).client;
    appId = (await lenient.post('/api/v1/app', { name: 'Lenient' })).json<{ id: string }>().id;
    const refused = await attemptOf(
      `http://127.0.0.2:${new URL(forbidden.url).port}/literal`,
      lenient,
    );
    expect(refused).toMatchObject({
      responseStatusCode: 0,
      error: expect.stringMatching(/^blocked_address: 127\.0\.0\.2 is in 127\.0\.0\.0\/8/),
    });
    const mapped = await attemptOf(
      `http://[::ffff:127.0.0.2]:${new URL(forbidden.url).port}/mapped`,
      lenient,
    );
    expect(mapped.error).toMatch(/^blocked_address/);
    appId = (await client.post('/api/v1/app', { name: 'Guarded again' })).json<{ id: string }>().id;
  });

  it('never follows a redirect: a 3xx is a failure and its target is never contacted', async () => {
    const target = `http://127.0.0.2:${new URL(forbidden.url).port}/redirected`;
    allowed.answer((req) =>
      req.path === '/redirect'
        ? { status: 302, headers: { location: target } }
        : { status: 200, body: 'ok' },
    );
    const attempt = await attemptOf(`${allowed.url}/redirect`);
    expect(attempt).toMatchObject({ responseStatusCode: 302 });
    allowed.answer(() => ({ status: 200, body: 'ok' }));
  });

  it('refuses plain http when HOOKRAIL_HTTPS_ONLY is set', async () => {
    const strict = (await strictApi.newTenant()).client;
    const app = (await strict.post('/api/v1/app', { name: 'Strict' })).json<{ id: string }>();
    const res = await strict.post(`/api/v1/app/${app.id}/endpoint`, {
      url: 'http://example.com/hook',
    });
    expect(res.status).toBe(422);
    expect(res.json()).toMatchObject({ detail: [{ loc: ['body', 'url'], type: 'insecure_url' }] });
    expect(
      (await strict.post(`/api/v1/app/${app.id}/endpoint`, { url: 'https://example.com/hook' }))
        .status,
    ).toBe(201);
  });

  it('let nothing at all reach the forbidden receiver', () => {
    expect(forbidden.requests).toEqual([]);
  });
});
