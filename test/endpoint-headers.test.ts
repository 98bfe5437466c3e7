import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient, HttpResponse } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const env = useTestEnv();
const api = useTestApi(env);
useTestWorker(env);
const receiver = useReceiver();

let client: HttpClient;
let appId: string;

beforeAll(async () => {
  client = (await api.newTenant()).client;
  appId = (await client.post('/api/v1/app', { name: 'Headers' })).json<{ id: string }>().id;
});

async function newEndpoint(path: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await client.post(`/api/v1/app/${appId}/endpoint`, {
    url: `${receiver.url}${path}`,
    headers,
  });
  expect(res.status).toBe(201);
  return `/api/v1/app/${appId}/endpoint/${res.json<{ id: string }>().id}`;
}

function expectRefused(res: HttpResponse, type: string, loc: unknown[]): void {
  expect({ status: res.status, body: res.json() }).toEqual({
    status: 422,
    body: { code: 'validation', detail: [expect.objectContaining({ loc, type })] },
  });
}

async function storedHeaders(endpoint: string): Promise<Record<string, string>> {
  const id = endpoint.split('/').at(-1);
  const { rows } = await env.sql.query<{ headers: Record<string, string> }>(
    'select headers from endpoints where id = $1',
    [id],
  );
  const [row] = rows;
  if (row === undefined) throw new Error(`no endpoint ${id}`);
  return row.headers;
}

describe('custom header values', () => {
  // (NUL is refused earlier, as text Postgres cannot store.)
  const badValues = ['10 €', 'caf\u00e9', 'a\u0001b', 'tab\u007fdel', 'line\nbreak', 'bell\u0007'];

  it('that are not visible ASCII, space or tab are refused when an endpoint is created', async () => {
    for (const value of badValues) {
      const res = await client.post(`/api/v1/app/${appId}/endpoint`, {
        url: `${receiver.url}/refused`,
        headers: { 'x-note': value },
      });
      expectRefused(res, 'invalid_header_value', ['body', 'headers', 'x-note']);
    }
    const { rows } = await env.sql.query("select 1 from endpoints where url like '%/refused'");
    expect(rows).toEqual([]);
  });

  it('that are not visible ASCII, space or tab are refused by the headers PUT and PATCH', async () => {
    const endpoint = await newEndpoint('/kept', { 'x-note': 'kept' });
    for (const value of badValues) {
      expectRefused(
        await client.put(`${endpoint}/headers`, { headers: { 'x-note': value } }),
        'invalid_header_value',
        ['body', 'headers', 'x-note'],
      );
      expectRefused(
        await client.patch(`${endpoint}/headers`, { headers: { 'x-other': value } }),
        'invalid_header_value',
        ['body', 'headers', 'x-other'],
      );
    }
    expect((await client.get(`${endpoint}/headers`)).json()).toEqual({
      headers: { 'x-note': 'kept' },
      sensitive: [],
    });
  });

  it('with spaces, tabs and every visible ASCII character are kept and sent as given', async () => {
    const visible = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i));
    const value = `a b\tc ${visible.join('')}`;
    const endpoint = await newEndpoint('/ascii', { 'x-visible': value });
    await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: {} });
    const [request] = await receiver.waitForRequests(1, '/ascii');
    expect(request?.headers['x-visible']).toBe(value);
    expect((await client.get(`${endpoint}/headers`)).json()).toEqual({
      headers: { 'x-visible': value },
      sensitive: [],
    });
  });
});

describe('credential headers', () => {
  const credentials = {
    Authorization: 'Bearer create-time-credential',
    'x-partner-key': 'partner-key-value',
    Cookie: 'session=cookie-value',
  };

  it('are encrypted in Postgres, hidden by the API, and delivered in plain text', async () => {
    const endpoint = await newEndpoint('/creds', { ...credentials, 'x-tenant': 'acme' });
    const stored = await storedHeaders(endpoint);
    expect(stored).toEqual({
      Authorization: expect.stringMatching(/^enc:v1:/),
      'x-partner-key': expect.stringMatching(/^enc:v1:/),
      Cookie: expect.stringMatching(/^enc:v1:/),
      'x-tenant': 'acme',
    });
    for (const value of Object.values(credentials)) {
      expect(JSON.stringify(stored)).not.toContain(value);
    }
    const shown = (await client.get(`${endpoint}/headers`)).json<{ sensitive: string[] }>();
    expect({ ...shown, sensitive: shown.sensitive.sort() }).toEqual({
      headers: { 'x-tenant': 'acme' },
      sensitive: ['Authorization', 'Cookie', 'x-partner-key'],
    });
    await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: { n: 1 } });
    const [request] = await receiver.waitForRequests(1, '/creds');
    expect(request?.headers).toMatchObject({
      authorization: credentials.Authorization,
      'x-partner-key': credentials['x-partner-key'],
      cookie: credentials.Cookie,
      'x-tenant': 'acme',
    });
  });

  it('set by the headers PUT and PATCH are encrypted too, and a PATCH keeps the others', async () => {
    const endpoint = await newEndpoint('/changed');
    expect(
      (await client.put(`${endpoint}/headers`, { headers: { 'X-Api-Key': 'put-key' } })).status,
    ).toBe(204);
    expect(
      (
        await client.patch(`${endpoint}/headers`, {
          headers: { 'x-session-token': 'patched-token', 'x-plain': 'p' },
        })
      ).status,
    ).toBe(204);
    const stored = await storedHeaders(endpoint);
    expect(stored).toEqual({
      'X-Api-Key': expect.stringMatching(/^enc:v1:/),
      'x-session-token': expect.stringMatching(/^enc:v1:/),
      'x-plain': 'p',
    });
    expect(JSON.stringify(stored)).not.toMatch(/put-key|patched-token/);
    await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: { n: 2 } });
    const [request] = await receiver.waitForRequests(1, '/changed');
    expect(request?.headers).toMatchObject({
      'x-api-key': 'put-key',
      'x-session-token': 'patched-token',
      'x-plain': 'p',
    });
    const recorded = await waitFor('the attempt to be recorded', async () => {
      const { rows } = await env.sql.query<{ request_headers: Record<string, string> }>(
        'select request_headers from attempts where endpoint_id = $1',
        [endpoint.split('/').at(-1)],
      );
      return rows[0]?.request_headers;
    });
    expect(recorded).toMatchObject({
      'X-Api-Key': '[redacted]',
      'x-session-token': '[redacted]',
      'x-plain': 'p',
    });
  });

  it('stored in plain text before encryption still go out as they are', async () => {
    const endpoint = await newEndpoint('/legacy');
    await env.sql.query('update endpoints set headers = $1 where id = $2', [
      JSON.stringify({ authorization: 'Bearer legacy-plain', 'x-tenant': 'old' }),
      endpoint.split('/').at(-1),
    ]);
    await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: { n: 3 } });
    const [request] = await receiver.waitForRequests(1, '/legacy');
    expect(request?.headers).toMatchObject({
      authorization: 'Bearer legacy-plain',
      'x-tenant': 'old',
    });
  });
});
