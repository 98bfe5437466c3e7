import {
  createRedis,
  createStatusPublisher,
  statusStreamKey,
  waitUntilReady,
} from '@hookrail/queue';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testAdminToken } from './support/api.ts';
import { testEncryptionKey, useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';
import { runProcess, type RunningProcess } from './support/process.ts';
import { useReceiver } from './support/receiver.ts';
import { StreamClient, UpgradeRefused, type StreamMessage } from './support/stream-client.ts';
import { waitFor } from './support/wait.ts';

// Two API processes and a worker, all separate processes on this file's database and Redis
// prefix: events produced by one process reach clients of another only through Redis.
const env = useTestEnv();
const receiver = useReceiver();
const jwtSecret = 'status-stream-test-jwt-secret-0123456789abcdef';
const processes: RunningProcess[] = [];
const clients: StreamClient[] = [];
let api1: { url: string; admin: HttpClient; process: RunningProcess };
let api2: { url: string; admin: HttpClient; process: RunningProcess };

function common(): Record<string, string> {
  return {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    HOOKRAIL_REDIS_PREFIX: env.redisPrefix,
    HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.0/8',
    HOOKRAIL_ENCRYPTION_KEY: testEncryptionKey,
    HOOKRAIL_STREAM_MAX_LEN: '20',
  };
}

async function startApiProcess() {
  const process = runProcess('apps/api/src/main.ts', {
    ...common(),
    PORT: '0',
    HOOKRAIL_ADMIN_TOKEN: testAdminToken,
    HOOKRAIL_JWT_SECRET: jwtSecret,
    HOOKRAIL_STREAM_AUTH_RECHECK: '0.2',
    // Far below the 24 MB the slow-reader test sends, far above what one read of the stream
    // (at most 1,000 events of 4 KiB) leaves buffered for a reader that keeps up.
    HOOKRAIL_STREAM_MAX_BUFFER: '4mb',
  });
  processes.push(process);
  const port = (await process.waitFor(/"port":(\d+)/))[1] ?? '';
  const url = `http://127.0.0.1:${port}`;
  return { url, admin: new HttpClient(url, testAdminToken), process };
}

beforeAll(async () => {
  api1 = await startApiProcess();
  api2 = await startApiProcess();
  const worker = runProcess('apps/worker/src/main.ts', {
    ...common(),
    HOOKRAIL_RETRY_SCHEDULE: '0.3',
  });
  processes.push(worker);
  await worker.waitFor(/worker ready/);
}, 60_000);
afterAll(() => {
  for (const client of clients) client.close();
  for (const p of processes) p.child.kill('SIGKILL');
});

async function connect(
  url: string,
  token: string | undefined,
  options?: { inQuery?: boolean },
): Promise<StreamClient> {
  const client = await StreamClient.connect(url, token, options);
  clients.push(client);
  return client;
}

async function subscribe(client: StreamClient, filter: object = {}): Promise<void> {
  const before = client.messages.length;
  client.send({ type: 'subscribe', ...filter });
  await waitFor('the subscription', () =>
    client.messages.slice(before).find((m) => m.type === 'subscribed' || m.type === 'error'),
  );
}

/** A tenant with an application and an endpoint at `path` of the receiver. */
async function tenantWithEndpoint(path: string, on = api1) {
  const res = await on.admin.post('/api/v1/admin/tenants', { name: path });
  const { id, apiKey, apiKeyId } = res.json<{ id: string; apiKey: string; apiKeyId: string }>();
  const client = new HttpClient(on.url, apiKey);
  const app = (await client.post('/api/v1/app', { name: path })).json<{ id: string }>();
  const endpoint = (
    await client.post(`/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}${path}` })
  ).json<{ id: string }>();
  return { tenantId: id, apiKey, keyId: apiKeyId, client, appId: app.id, endpointId: endpoint.id };
}

async function send(client: HttpClient, appId: string): Promise<string> {
  const res = await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: {} });
  expect(res.status).toBe(202);
  return res.json<{ id: string }>().id;
}

async function delivered(msgIds: string[]): Promise<void> {
  await waitFor('the deliveries to succeed', async () => {
    const { rows } = await env.sql.query<{ n: string }>(
      `select count(*) as n from deliveries where message_id = any($1) and status = 'succeeded'`,
      [msgIds],
    );
    return Number(rows[0]?.n) === msgIds.length;
  });
}

const typesOf = (events: StreamMessage[], msgId: string) =>
  events.filter((e) => e.data?.msgId === msgId).map((e) => e.type);

const oneDelivery = [
  'message.accepted',
  'attempt.started',
  'attempt.finished',
  'delivery.succeeded',
];

describe('the status stream', () => {
  it('shows a client on API #2 a message sent through API #1: accepted, attempt, retry scheduled, succeeded, in order', async () => {
    const t = await tenantWithEndpoint('/flow');
    let calls = 0;
    receiver.answer((request) =>
      request.path === '/flow' && calls++ === 0 ? { status: 500 } : { status: 200 },
    );
    const watcher = await connect(api2.url, t.apiKey);
    await subscribe(watcher);
    const msgId = await send(t.client, t.appId);
    await watcher.waitForEvent('delivery.succeeded', (m) => m.type === 'delivery.succeeded');

    const events = watcher.events();
    expect(typesOf(events, msgId)).toEqual([
      'message.accepted',
      'attempt.started',
      'attempt.finished',
      'delivery.retry_scheduled',
      'attempt.started',
      'attempt.finished',
      'delivery.succeeded',
    ]);
    const ids = events.map((e) => e.id ?? '');
    expect(ids).toEqual([...ids].sort(compareIds));
    expect(new Set(ids).size).toBe(ids.length);
    expect(events[0]?.data).toMatchObject({ msgId, appId: t.appId, endpointIds: [t.endpointId] });
    expect(events[2]?.data).toMatchObject({
      endpointId: t.endpointId,
      responseStatusCode: 500,
      status: 'pending',
      nextAttemptAt: expect.any(String),
    });
    expect(events[5]?.data).toMatchObject({ responseStatusCode: 200, status: 'succeeded' });
    receiver.answer(() => ({ status: 200 }));
  });

  it("shows nothing of a tenant's deliveries to another tenant, nor to a client scoped to another application", async () => {
    const t = await tenantWithEndpoint('/isolated');
    const other = await tenantWithEndpoint('/other');
    const secondApp = (await t.client.post('/api/v1/app', { name: 'second' })).json<{
      id: string;
    }>();
    const portal = async (appId: string) =>
      (await t.client.post(`/api/v1/auth/app-portal-access/${appId}`, {})).json<{
        token: string;
      }>().token;

    const ownApp = await connect(api2.url, await portal(t.appId));
    await subscribe(ownApp);
    const otherTenant = await connect(api2.url, other.apiKey);
    await subscribe(otherTenant, { appId: t.appId });
    const otherTenantAll = await connect(api1.url, other.apiKey);
    await subscribe(otherTenantAll);
    const otherApp = await connect(api2.url, await portal(secondApp.id), { inQuery: true });
    await subscribe(otherApp, { appId: t.appId });
    expect(otherApp.messages.at(-1)).toMatchObject({ type: 'error', code: 'forbidden' });
    await subscribe(otherApp);

    const msgId = await send(t.client, t.appId);
    await ownApp.waitForEvent('delivery.succeeded', (m) => m.type === 'delivery.succeeded');
    expect(typesOf(ownApp.events(), msgId)).toEqual(oneDelivery);
    // The positive control above shares otherTenant's and otherApp's process and reader.
    for (const client of [otherTenant, otherTenantAll, otherApp])
      expect(client.events()).toEqual([]);
  });

  it('resumes with exactly the events missed while disconnected, in order, then goes on live', async () => {
    const t = await tenantWithEndpoint('/resume');
    const first = await connect(api1.url, t.apiKey);
    // Stays connected: it tells when the missed deliveries' last events are in the stream (a
    // receipt comes before them), so that none of them is still to come live on reconnecting.
    const witness = await connect(api1.url, t.apiKey);
    await subscribe(first);
    await subscribe(witness);
    const m1 = await send(t.client, t.appId);
    await first.waitForEvent('m1 to succeed', (m) => m.type === 'delivery.succeeded');
    const lastEventId = first.events().at(-1)?.id ?? '';
    first.close();

    const m2 = await send(t.client, t.appId);
    const m3 = await send(t.client, t.appId);
    await delivered([m2, m3]);
    await waitFor(
      'm2 and m3 to succeed in the stream',
      () => witness.events().filter((e) => e.type === 'delivery.succeeded').length === 3,
    );
    witness.close();

    const again = await connect(api2.url, t.apiKey);
    await subscribe(again);
    again.send({ type: 'resume', lastEventId });
    await waitFor(
      'the missed events',
      () => again.events().filter((e) => e.type === 'delivery.succeeded').length === 2,
    );
    const m4 = await send(t.client, t.appId);
    await waitFor('m4 live', () => typesOf(again.events(), m4).length === 4);

    const events = again.events();
    expect(typesOf(events, m1)).toEqual([]);
    expect(typesOf(events, m2)).toEqual(oneDelivery);
    expect(typesOf(events, m3)).toEqual(oneDelivery);
    expect(typesOf(events, m4)).toEqual(oneDelivery);
    expect(events).toHaveLength(12);
    const ids = events.map((e) => e.id ?? '');
    expect(ids).toEqual([...ids].sort(compareIds));
    expect(new Set(ids).size).toBe(12);
    expect(compareIds(ids[0] ?? '', lastEventId)).toBeGreaterThan(0);
  });

  it('reconnects with one resume carrying its filter: exactly the missed events of its application, then live ones, in order, none twice', async () => {
    const t = await tenantWithEndpoint('/resume-filter');
    const other = (await t.client.post('/api/v1/app', { name: 'other' })).json<{ id: string }>();
    await t.client.post(`/api/v1/app/${other.id}/endpoint`, {
      url: `${receiver.url}/resume-filter-other`,
    });
    const filter = { appId: t.appId, types: oneDelivery };
    // Watches everything the whole time: what the resumed client must end up with, and when
    // each message has ended (so that at most one is in flight: the stream keeps 20 events).
    const witness = await connect(api1.url, t.apiKey);
    await subscribe(witness);
    const first = await connect(api1.url, t.apiKey);
    await subscribe(first, filter);
    const sent: { msgId: string; appId: string }[] = [];
    const sendAndWait = async (appId: string) => {
      const msgId = await send(t.client, appId);
      sent.push({ msgId, appId });
      await witness.waitForEvent(
        `${msgId} to succeed`,
        (m) => m.type === 'delivery.succeeded' && m.data?.msgId === msgId,
      );
    };
    await sendAndWait(t.appId);
    const lastEventId = first.events().at(-1)?.id ?? '';
    first.close();

    // Missed while disconnected: one message of the application, one of the other.
    await sendAndWait(t.appId);
    await sendAndWait(other.id);
    const again = await connect(api2.url, t.apiKey);
    // More keep coming, before, during and after the resume.
    const flowing = { on: true };
    const flow = (async () => {
      for (let i = 0; flowing.on; i++) {
        await sendAndWait(i % 2 === 0 ? t.appId : other.id);
        // The stream keeps 20 events: however slow the machine, no more than one message goes
        // by before the resume has read the missed ones.
        await again.waitForEvent('the resume to catch up', (m) => m.type === 'subscribed');
      }
    })();
    await waitFor('a message sent after reconnecting', () => sent.length >= 4);
    again.send({ type: 'resume', lastEventId, ...filter });
    await again.waitForEvent('the resume to catch up', (m) => m.type === 'subscribed');
    const caughtUp = sent.length;
    await waitFor('two messages of the application sent live', () =>
      sent.slice(caughtUp).filter((m) => m.appId === t.appId).length >= 2 ? true : undefined,
    );
    flowing.on = false;
    await flow;

    const expected = witness
      .events()
      .filter(
        (e) =>
          e.data?.appId === t.appId &&
          oneDelivery.includes(e.type) &&
          compareIds(e.id ?? '', lastEventId) > 0,
      );
    await waitFor('every event of the application', () =>
      again.events().length >= expected.length ? true : undefined,
    );
    const ids = again.events().map((e) => e.id);
    expect(ids).toEqual(expected.map((e) => e.id));
    expect(new Set(ids).size).toBe(ids.length);
    // The missed message and every later one of the application, each whole; none other.
    const ofApp = sent.filter((m) => m.appId === t.appId).slice(1);
    expect(ofApp.length).toBeGreaterThanOrEqual(3);
    for (const { msgId } of ofApp) expect(typesOf(again.events(), msgId)).toEqual(oneDelivery);
    expect(again.events()).toHaveLength(4 * ofApp.length);
    expect(again.messages.filter((m) => m.type === 'gap' || m.type === 'error')).toEqual([]);
    expect(again.messages.filter((m) => m.type === 'subscribed')).toEqual([
      { type: 'subscribed', filter },
    ]);
  });

  it("refuses an application's credentials a resume naming another application, with forbidden", async () => {
    const t = await tenantWithEndpoint('/resume-scope');
    const other = (await t.client.post('/api/v1/app', { name: 'other' })).json<{ id: string }>();
    const portal = (await t.client.post(`/api/v1/auth/app-portal-access/${t.appId}`, {})).json<{
      token: string;
    }>().token;
    const client = await connect(api1.url, portal);
    const lastEventId = `${Date.now()}-0`;
    client.send({ type: 'resume', lastEventId, appId: other.id });
    await client.waitForEvent('the refusal', (m) => m.type === 'error');
    expect(client.messages).toEqual([
      { type: 'error', code: 'forbidden', detail: expect.any(String) },
    ]);
    // The positive control: the same resume naming its own application replays its message.
    const msgId = await send(t.client, t.appId);
    client.send({ type: 'resume', lastEventId, appId: t.appId });
    await client.waitForEvent('the delivery', (m) => m.type === 'delivery.succeeded');
    expect(typesOf(client.events(), msgId)).toEqual(oneDelivery);
    expect(client.messages.filter((m) => m.type === 'error')).toHaveLength(1);
  });

  it('sends the events ready together in one batch frame to a client that asks, in order and through its filter; one event per frame to one that does not', async () => {
    const t = await tenantWithEndpoint('/batch');
    const other = (await t.client.post('/api/v1/app', { name: 'other' })).json<{ id: string }>();
    const redis = createRedis({ url: env.redisUrl, role: 'producer' });
    await waitUntilReady(redis, 5000);
    const publisher = createStatusPublisher({
      connection: redis,
      settings: { prefix: env.redisPrefix, windowMs: 600_000, maxLen: 100_000 },
    });
    const key = statusStreamKey(env.redisPrefix, t.tenantId);
    const lastEventId = (await redis.xrevrange(key, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
    /** Events n = from..to-1, every other one of the application, all in one pipeline. */
    const append = async (from: number, to: number) => {
      publisher.publish(
        Array.from({ length: to - from }, (_, i) => ({
          tenantId: t.tenantId,
          type: 'task.progress' as const,
          data: { appId: (from + i) % 2 === 0 ? t.appId : other.id, n: from + i },
        })),
      );
      await publisher.flush();
    };
    await append(0, 40);
    const batched = await connect(api1.url, t.apiKey);
    const plain = await connect(api2.url, t.apiKey);
    const everything = await connect(api1.url, t.apiKey);
    batched.send({ type: 'resume', lastEventId, appId: t.appId, batch: true });
    plain.send({ type: 'resume', lastEventId, appId: t.appId });
    everything.send({ type: 'resume', lastEventId, batch: true });
    for (const client of [batched, plain, everything])
      await client.waitForEvent('the resume to catch up', (m) => m.type === 'subscribed');
    await append(40, 80);
    for (const client of [batched, plain])
      await waitFor('every event of the application', () => client.events().length >= 40);
    await waitFor('every event', () => everything.events().length >= 80);
    redis.disconnect();

    const even = Array.from({ length: 40 }, (_, i) => 2 * i);
    for (const client of [batched, plain]) {
      const events = client.events();
      expect(events.map((e) => e.data?.n)).toEqual(even);
      const ids = events.map((e) => e.id ?? '');
      expect(ids).toEqual([...ids].sort(compareIds));
      expect(new Set(ids).size).toBe(40);
    }
    // Without a filter, every event, in order, in batch frames only.
    expect(everything.events().map((e) => e.data?.n)).toEqual(
      Array.from({ length: 80 }, (_, i) => i),
    );
    expect(everything.messages.every((m) => m.type === 'batch' || m.type === 'subscribed')).toBe(
      true,
    );
    // The replay page in one frame, then the live events in frames of their own reads.
    const frames = batched.messages.map((m) => (m.type === 'batch' ? m.events?.length : m.type));
    expect(frames.slice(0, 2)).toEqual([20, 'subscribed']);
    expect(frames.slice(2).every((f) => typeof f === 'number')).toBe(true);
    expect(batched.messages[1]).toEqual({
      type: 'subscribed',
      filter: { appId: t.appId },
      batch: true,
    });
    // The same events one per frame, as a client that never asked for batches always had.
    expect(plain.messages.map((m) => m.type)).toEqual([
      ...Array.from({ length: 20 }, () => 'task.progress'),
      'subscribed',
      ...Array.from({ length: 20 }, () => 'task.progress'),
    ]);
  });

  it('tells a client resuming from past the window that events are missing, with a gap', async () => {
    const t = await tenantWithEndpoint('/gap');
    const first = await connect(api1.url, t.apiKey);
    await subscribe(first);
    await send(t.client, t.appId);
    await first.waitForEvent('a success', (m) => m.type === 'delivery.succeeded');
    const lastEventId = first.events().at(-1)?.id ?? '';
    first.close();

    // 6 messages make 24 events, past HOOKRAIL_STREAM_MAX_LEN (20).
    const sent = [];
    for (let i = 0; i < 6; i++) sent.push(await send(t.client, t.appId));
    await delivered(sent);

    const again = await connect(api2.url, t.apiKey);
    again.send({ type: 'resume', lastEventId });
    await waitFor('the gap and what is left', () => again.events().length >= 20);
    expect(again.messages[0]).toMatchObject({ type: 'gap', data: { lastEventId } });
    expect(again.events().map((e) => e.data?.msgId)).not.toContain(undefined);
  });

  it('refuses missing, unknown, expired and deleted-tenant credentials with 401', async () => {
    const t = await tenantWithEndpoint('/credentials');
    const refused = async (token: string | undefined) =>
      connect(api1.url, token).then(
        () => 101,
        (error: unknown) => (error instanceof UpgradeRefused ? error.status : 0),
      );
    expect(await refused(undefined)).toBe(401);
    expect(await refused('hrk_not-a-key')).toBe(401);
    expect(await refused(await streamJwt(t.tenantId, -10))).toBe(401);
    expect(await refused(t.apiKey)).toBe(101);

    const issued = await t.client.post('/api/v1/auth/stream-token', { appId: t.appId });
    expect(issued.status).toBe(200);
    const { token, expiresAt } = issued.json<{ token: string; expiresAt: string }>();
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    expect(await refused(token)).toBe(101);

    expect((await api1.admin.delete(`/api/v1/admin/tenants/${t.tenantId}`)).status).toBe(204);
    expect(await refused(t.apiKey)).toBe(401);
    expect(await refused(token)).toBe(401);
  });

  it('closes a session with 4401 when its key is revoked, its tenant deleted or its token expires', async () => {
    const t = await tenantWithEndpoint('/revoked');
    const key = (
      await api1.admin.post(`/api/v1/admin/tenants/${t.tenantId}/api-keys`, { name: 'second' })
    ).json<{ id: string; key: string }>();
    const byKey = await connect(api2.url, key.key);
    const tokenOfKey = (
      await new HttpClient(api1.url, key.key).post('/api/v1/auth/stream-token', {})
    ).json<{ token: string }>().token;
    const byToken = await connect(api1.url, tokenOfKey, { inQuery: true });
    const unaffected = await connect(api2.url, t.apiKey);
    const expiring = await connect(api1.url, await streamJwt(t.tenantId, 2, t.keyId));

    await api1.admin.delete(`/api/v1/admin/tenants/${t.tenantId}/api-keys/${key.id}`);
    expect(await byKey.waitForClose()).toBe(4401);
    expect(await byToken.waitForClose()).toBe(4401);
    expect(await expiring.waitForClose()).toBe(4401);
    expect(unaffected.closeCode).toBeUndefined();

    await api1.admin.delete(`/api/v1/admin/tenants/${t.tenantId}`);
    expect(await unaffected.waitForClose()).toBe(4401);
    // The credential in the query string never reaches a log line.
    for (const p of processes) expect(p.output()).not.toContain(tokenOfKey);
  });

  it('answers a bad command with an error and stays open; closes on a binary frame with 4400', async () => {
    const t = await tenantWithEndpoint('/commands');
    const client = await connect(api1.url, t.apiKey);
    client.socket.send('not json');
    client.send({ type: 'subscribe', statuses: ['lost'] });
    client.send({ type: 'resume', lastEventId: 'yesterday' });
    await subscribe(client, { types: ['delivery.succeeded'] });
    expect(client.messages.map((m) => [m.type, m.code])).toEqual([
      ['error', 'invalid_json'],
      ['error', 'invalid_command'],
      ['error', 'invalid_command'],
      ['subscribed', undefined],
    ]);
    client.socket.send(Buffer.from([1, 2, 3]));
    expect(await client.waitForClose()).toBe(4400);
  });

  it('closes a reader that falls behind with 4429, while the others keep receiving', async () => {
    const t = await tenantWithEndpoint('/slow');
    const fast = await connect(api1.url, t.apiKey);
    const slow = await connect(api1.url, t.apiKey);
    await subscribe(fast);
    await subscribe(slow);
    slow.socket.pause();
    // Big events straight into the tenant's stream: enough to fill the socket buffers between
    // the server and the paused client many times over.
    const redis = createRedis({ url: env.redisUrl, role: 'producer' });
    await waitUntilReady(redis, 5000);
    const publisher = createStatusPublisher({
      connection: redis,
      settings: { prefix: env.redisPrefix, windowMs: 600_000, maxLen: 100_000 },
    });
    const padding = 'x'.repeat(4096);
    for (let batch = 0; batch < 60; batch++) {
      publisher.publish(
        Array.from({ length: 100 }, (_, i) => ({
          tenantId: t.tenantId,
          type: 'task.progress' as const,
          data: { n: batch * 100 + i, padding },
        })),
      );
      await publisher.flush();
    }
    redis.disconnect();
    await fast.waitForEvent('the last event', (m) => m.data?.n === 5999, 60_000);
    slow.socket.resume();
    expect(await slow.waitForClose()).toBe(4429);
    expect(fast.closeCode).toBeUndefined();
    expect(fast.events()).toHaveLength(6000);
    // 24 MB must pass through to the fast reader, which on a busy machine outlasts the default
    // 30 s; the wait above bounds it first.
  }, 90_000);

  it('hookrail tail prints a delivery live, named by its application uid', async () => {
    const t = await tenantWithEndpoint('/tail');
    await t.client.patch(`/api/v1/app/${t.appId}`, { uid: 'customer-42' });
    const cli = runProcess(
      'apps/cli/src/main.ts',
      { HOOKRAIL_URL: api1.url, HOOKRAIL_API_KEY: t.apiKey },
      ['tail', '--app', 'customer-42'],
    );
    processes.push(cli);
    await cli.waitFor(/watching/);
    const msgId = await send(t.client, t.appId);
    const lines = await cli.waitFor(new RegExp(`delivery\\.succeeded\\s+${msgId}`));
    expect(lines.input.indexOf('message.accepted')).toBeLessThan(lines.index);
    expect(cli.output()).toMatch(
      new RegExp(`attempt\\.finished\\s+${msgId} -> ${t.endpointId}\\s+attempt 1: 200`),
    );
    cli.child.kill('SIGTERM');
  });

  it('is described by an AsyncAPI document served beside the OpenAPI one', async () => {
    const res = await new HttpClient(api1.url).get('/api/v1/asyncapi.json');
    expect(res.status).toBe(200);
    const document = res.json<{
      asyncapi: string;
      channels: { statusStream: { address: string } };
      components: { messages: Record<string, { name: string }> };
    }>();
    expect(document.asyncapi).toBe('3.0.0');
    expect(document.channels.statusStream.address).toBe('/api/v1/status-stream');
    const names = Object.values(document.components.messages).map((m) => m.name);
    for (const type of [
      ...oneDelivery,
      'delivery.retry_scheduled',
      'delivery.failed',
      'gap',
      'batch',
    ])
      expect(names).toContain(type);
    expect(names).not.toContain('credentials.changed');
  });

  it('closes its clients with 1001 when an API process shuts down', async () => {
    const t = await tenantWithEndpoint('/shutdown', api2);
    const client = await connect(api2.url, t.apiKey);
    api2.process.child.kill('SIGTERM');
    expect(await client.waitForClose()).toBe(1001);
    expect(await api2.process.exited).toBe(0);
  });
});

function compareIds(a: string, b: string): number {
  const [am = 0n, as = 0n] = a.split('-').map(BigInt);
  const [bm = 0n, bs = 0n] = b.split('-').map(BigInt);
  return am === bm ? Number(as - bs) : am < bm ? -1 : 1;
}

/** A stream token signed with the processes' JWT secret, expiring `ttlSeconds` from now. */
async function streamJwt(tenantId: string, ttlSeconds: number, keyId?: string): Promise<string> {
  return new SignJWT({ kid: keyId ?? 'key_00000000000000000000000000' })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('hookrail')
    .setAudience('status-stream')
    .setSubject(tenantId)
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(jwtSecret));
}
