import { createPublicKey, randomBytes, verify } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createDatabase } from '@hookrail/db';
import { Vault } from '@hookrail/secrets';
import { reencrypt } from '@hookrail/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { testAdminToken, useTestApi } from './support/api.ts';
import { testEncryptionKey, useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

/** Every log line of the API and the worker, at debug level. */
const lines: string[] = [];
const logs = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(chunk.toString());
    done();
  },
});

const env = useTestEnv();
const api = useTestApi(env, { HOOKRAIL_LOG_LEVEL: 'debug' }, { logs });
useTestWorker(env, { HOOKRAIL_LOG_LEVEL: 'debug', HOOKRAIL_RETRY_SCHEDULE: '0.05' }, { logs });
const receiver = useReceiver();

const hmacSecret = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const rotatedSecret = `whsec_${randomBytes(24).toString('base64')}`;
const asymmetricSecret =
  'whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg==';
const publicKey = 'whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=';
const headerSecret = 'Bearer s3cret-header-value';

/** Everything that must never be seen outside an API response made to show it. */
const secrets: string[] = [];
let client: HttpClient;
let appId: string;
let hmacEndpoint: string;
let edEndpoint: string;

beforeAll(async () => {
  const tenant = await api.newTenant();
  client = tenant.client;
  appId = (await client.post('/api/v1/app', { name: 'Secrets', uid: 'secrets' })).json<{
    id: string;
  }>().id;
  hmacEndpoint = (
    await client.post(`/api/v1/app/${appId}/endpoint`, {
      url: `${receiver.url}/hmac`,
      secret: hmacSecret,
      headers: { authorization: headerSecret, 'x-tenant': 'acme' },
    })
  ).json<{ id: string }>().id;
  edEndpoint = (
    await client.post(`/api/v1/app/${appId}/endpoint`, {
      url: `${receiver.url}/ed25519`,
      secret: asymmetricSecret,
    })
  ).json<{ id: string }>().id;
  // A failing endpoint, so that error texts are written too.
  await client.post(`/api/v1/app/${appId}/endpoint`, {
    url: `${receiver.url}/failing`,
    secret: hmacSecret,
  });
  receiver.answer((req) =>
    req.path === '/failing' ? { status: 500, body: 'no' } : { status: 200, body: 'ok' },
  );
  const portal = await client.post(
    `/api/v1/auth/app-portal-access/${appId}`,
    {},
    { 'idempotency-key': 'portal-1' },
  );
  const token = portal.json<{ token: string }>().token;
  secrets.push(
    tenant.apiKey,
    testAdminToken,
    hmacSecret,
    hmacSecret.slice('whsec_'.length),
    rotatedSecret.slice('whsec_'.length),
    asymmetricSecret.slice('whsk_'.length),
    Buffer.from(asymmetricSecret.slice('whsk_'.length), 'base64')
      .subarray(0, 32)
      .toString('base64'),
    headerSecret,
    'Bearer s3cret',
    token,
    testEncryptionKey,
  );
  await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: { n: 1 } });
  await receiver.waitForRequests(1, '/hmac');
  await receiver.waitForRequests(1, '/ed25519');
  await receiver.waitForRequests(2, '/failing');
  await client.post(`/api/v1/app/${appId}/endpoint/${hmacEndpoint}/secret/rotate`, {
    key: rotatedSecret,
  });
  await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: { n: 2 } });
  await receiver.waitForRequests(2, '/hmac');
});

describe('ed25519 endpoints', () => {
  it('sign with v1a, verifiable with the public key the API hands out, and never show the private key', async () => {
    const shown = (await client.get(`/api/v1/app/${appId}/endpoint/${edEndpoint}/secret`)).json<{
      key: string;
    }>();
    expect(shown.key).toBe(publicKey);
    const [request] = receiver.requestsTo('/ed25519');
    if (request === undefined) throw new Error('no request');
    const signature = String(request.headers['webhook-signature']);
    expect(signature).toMatch(/^v1a,/);
    const key = createPublicKey({
      format: 'jwk',
      key: {
        kty: 'OKP',
        crv: 'Ed25519',
        x: Buffer.from(publicKey.slice(5), 'base64').toString('base64url'),
      },
    });
    const content = `${String(request.headers['webhook-id'])}.${String(request.headers['webhook-timestamp'])}.${request.body}`;
    expect(verify(null, Buffer.from(content), key, Buffer.from(signature.slice(4), 'base64'))).toBe(
      true,
    );
  });

  it('can be created with a generated key pair', async () => {
    const ep = await client.post(`/api/v1/app/${appId}/endpoint`, {
      url: `${receiver.url}/gen`,
      keyType: 'ed25519',
    });
    expect(ep.status).toBe(201);
    const shown = (
      await client.get(`/api/v1/app/${appId}/endpoint/${ep.json<{ id: string }>().id}/secret`)
    ).json<{
      key: string;
    }>();
    expect(shown.key).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
  });
});

describe('secrets at rest', () => {
  it('are sealed in Postgres: signing keys, the portal JWT secret, stored responses, credential headers', async () => {
    const keys = await env.sql.query<{ key: string }>('select key from endpoint_secrets');
    expect(keys.rows.length).toBeGreaterThanOrEqual(3);
    for (const { key } of keys.rows) expect(key).toMatch(/^enc:v1:/);
    const settings = await env.sql.query<{ value: string }>(
      "select value from settings where name = 'jwt_secret'",
    );
    expect(settings.rows[0]?.value).toMatch(/^enc:v1:/);
    const stored = await env.sql.query<{ response_body: string }>(
      'select response_body from idempotency_keys',
    );
    expect(stored.rows.length).toBeGreaterThan(0);
    for (const { response_body } of stored.rows) expect(response_body).toMatch(/^enc:v1:/);
    const headers = await env.sql.query<{ headers: Record<string, string> }>(
      'select headers from endpoints where id = $1',
      [hmacEndpoint],
    );
    expect(headers.rows[0]?.headers).toEqual({
      authorization: expect.stringMatching(/^enc:v1:/),
      'x-tenant': 'acme',
    });
    const everything = JSON.stringify([keys.rows, settings.rows, stored.rows, headers.rows]);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('never appear in logs, job payloads or attempt records', async () => {
    const logText = lines.join('');
    expect(lines.length).toBeGreaterThan(10);
    expect(logText).toContain('"msg":"attempt"');
    for (const secret of secrets) expect(logText).not.toContain(secret);

    const redis = new Redis(env.redisUrl);
    try {
      const dump: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(
          cursor,
          'MATCH',
          `{${env.redisPrefix}}*`,
          'COUNT',
          1000,
        );
        cursor = next;
        for (const key of found) {
          const type = await redis.type(key);
          if (type === 'hash') dump.push(JSON.stringify(await redis.hgetall(key)));
          else if (type === 'string') dump.push((await redis.get(key)) ?? '');
          else if (type === 'zset') dump.push(JSON.stringify(await redis.zrange(key, 0, -1)));
          else if (type === 'list') dump.push(JSON.stringify(await redis.lrange(key, 0, -1)));
          else if (type === 'stream') dump.push(JSON.stringify(await redis.xrange(key, '-', '+')));
        }
      } while (cursor !== '0');
      expect(dump.join('')).toContain('dlv_'); // job data is there, and holds ids only
      for (const secret of secrets) expect(dump.join('')).not.toContain(secret);
    } finally {
      redis.disconnect();
    }

    const attempts = await env.sql.query('select request_headers, response, error from attempts');
    const recorded = JSON.stringify(attempts.rows);
    expect(recorded).toContain('[redacted]');
    expect(recorded).toContain('webhook-signature');
    for (const secret of secrets) expect(recorded).not.toContain(secret);
  });

  it('are re-encrypted with a new key by the re-encryption command, and still read back', async () => {
    const oldKey = Buffer.from(testEncryptionKey, 'base64');
    const newKey = randomBytes(32);
    const rotating = new Vault(newKey, [oldKey]);
    // A credential header stored in plain text, as before header values were sealed.
    await env.sql.query('update endpoints set headers = $1 where id = $2', [
      JSON.stringify({ 'x-api-key': 'legacy-plain-key', 'x-tenant': 'old' }),
      edEndpoint,
    ]);
    const database = createDatabase({ url: env.databaseUrl, max: 2 });
    try {
      const counts = await reencrypt(database.db, rotating);
      expect(counts.endpoint_secrets).toBeGreaterThanOrEqual(3);
      expect(counts.settings).toBe(2); // the generated JWT secret and the key check
      expect(counts.endpoint_headers).toBe(2);
      // Running it again finds nothing left to do.
      expect(Object.values(await reencrypt(database.db, rotating)).every((n) => n === 0)).toBe(
        true,
      );
    } finally {
      await database.close();
    }
    const keys = await env.sql.query<{ key: string }>('select key from endpoint_secrets');
    const onlyNew = new Vault(newKey);
    for (const { key } of keys.rows)
      expect(key.startsWith(`enc:v1:${onlyNew.currentKeyId}:`)).toBe(true);
    const headers = await env.sql.query<{ id: string; headers: Record<string, string> }>(
      'select id, headers from endpoints where id = any($1)',
      [[hmacEndpoint, edEndpoint]],
    );
    const sealedNow = expect.stringMatching(new RegExp(`^enc:v1:${onlyNew.currentKeyId}:`));
    expect(Object.fromEntries(headers.rows.map((row) => [row.id, row.headers]))).toEqual({
      [hmacEndpoint]: { authorization: sealedNow, 'x-tenant': 'acme' },
      [edEndpoint]: { 'x-api-key': sealedNow, 'x-tenant': 'old' },
    });
    for (const { headers: h } of headers.rows) {
      for (const [name, value] of Object.entries(h)) {
        if (name !== 'x-tenant') expect(onlyNew.openText(value)).toMatch(/s3cret|legacy-plain-key/);
      }
    }
    // A process with only the new key starts (its key check opens) and reads the secrets back.
    const { startApi, loadApiConfig } = await import('@hookrail/api');
    const { createLogger } = await import('@hookrail/logger');
    const config = loadApiConfig({
      DATABASE_URL: env.databaseUrl,
      REDIS_URL: env.redisUrl,
      HOOKRAIL_REDIS_PREFIX: env.redisPrefix,
      HOOKRAIL_ADMIN_TOKEN: testAdminToken,
      HOOKRAIL_LOG_LEVEL: 'silent',
      HOOKRAIL_ENCRYPTION_KEY: newKey.toString('base64'),
      PORT: '0',
    });
    const running = await startApi(config, createLogger({ name: 'api', level: 'silent' }), {
      host: '127.0.0.1',
    });
    try {
      const fresh = new HttpClient(`http://127.0.0.1:${running.port}`, client.token);
      const shown = await fresh.get(`/api/v1/app/${appId}/endpoint/${hmacEndpoint}/secret`);
      expect(shown.json()).toEqual({ key: rotatedSecret });
      await waitFor(
        'a portal token to be issued with the re-sealed JWT secret',
        async () =>
          (await fresh.post(`/api/v1/auth/app-portal-access/${appId}`, {})).status === 200,
      );
    } finally {
      await running.close();
    }
  });
});
