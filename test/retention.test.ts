import { attempts, createDatabase, createMessage, type Database } from '@hookrail/db';
import { newId, type Id } from '@hookrail/ids';
import { createLogger } from '@hookrail/logger';
import {
  createRedis,
  createStatusPublisher,
  parseStatusEntry,
  statusStreamKey,
  waitUntilReady,
} from '@hookrail/queue';
import { createHousekeeping, runRetention } from '@hookrail/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HttpClient } from './support/http.ts';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';

// Retention runs in the worker's housekeeping; here it is called directly with an explicit
// `now`, over rows written with old timestamps. No worker runs, so pending stays pending.
const env = useTestEnv();
const api = useTestApi(env);
let database: Database;
let client: HttpClient;
let tenantId: Id<'tenant'>;
let appId: Id<'application'>;

const hour = 3_600_000;
const day = 24 * hour;
const retention = { payloadDays: 30, logDays: 90 };

beforeAll(async () => {
  database = createDatabase({ url: env.databaseUrl, max: 4 });
  const tenant = await api.newTenant();
  client = tenant.client;
  tenantId = tenant.id as Id<'tenant'>;
  appId = (await client.post('/api/v1/app', { name: 'Retention' })).json<{
    id: Id<'application'>;
  }>().id;
  const ep = await client.post(`/api/v1/app/${appId}/endpoint`, { url: 'https://example.com/h' });
  expect(ep.status).toBe(201);
});
afterAll(async () => {
  await database.close();
});

/** A message written as if sent at `at`, with a pending delivery to the endpoint. */
async function oldMessage(at: Date, payloadRetentionHours: number | null = null) {
  const created = await createMessage(database.db, {
    tenantId,
    appId,
    eventType: 'invoice.paid',
    eventId: null,
    channels: null,
    tags: null,
    payload: JSON.stringify({ amount: 42 }),
    deliverAt: null,
    payloadRetentionHours,
    at,
  });
  if (!created.ok) throw new Error('message not written');
  return created.message.id;
}

/** The message's deliveries succeeded at `at`, with an attempt that kept a response. */
async function finished(messageId: Id<'message'>, at: Date): Promise<void> {
  const { rows } = await env.sql.query<{ id: Id<'delivery'>; endpoint_id: Id<'endpoint'> }>(
    `update deliveries set status = 'succeeded', attempt_count = 1, next_attempt_at = null
      where message_id = $1 returning id, endpoint_id`,
    [messageId],
  );
  for (const d of rows) {
    await database.db.insert(attempts).values({
      id: newId('attempt', { now: () => at.getTime() }),
      tenantId,
      appId,
      messageId,
      endpointId: d.endpoint_id,
      deliveryId: d.id,
      eventType: 'invoice.paid',
      attemptNumber: 1,
      trigger: 'scheduled',
      outcome: 'succeeded',
      url: 'https://example.com/h',
      startedAt: at,
      durationMs: 12,
      requestHeaders: {},
      statusCode: 200,
      response: 'thanks',
    });
  }
}

async function payloadOf(messageId: Id<'message'>) {
  const res = await client.get(`/api/v1/app/${appId}/msg/${messageId}`);
  return { status: res.status, payload: res.json<{ payload: unknown }>().payload };
}

const count = async (table: string, messageId: string) =>
  Number(
    (
      await env.sql.query<{ n: string }>(
        `select count(*) as n from ${table} where message_id = $1`,
        [messageId],
      )
    ).rows[0]?.n,
  );

const responsesOf = async (messageId: string) =>
  (
    await env.sql.query<{ response: string | null }>(
      'select response from attempts where message_id = $1',
      [messageId],
    )
  ).rows.map((r) => r.response);

describe('retention', () => {
  it('purges only what is old and finished, and drops the log only past its own retention', async () => {
    const now = Date.now();
    const ancient = await oldMessage(new Date(now - 100 * day));
    await finished(ancient, new Date(now - 100 * day));
    const old = await oldMessage(new Date(now - 40 * day));
    await finished(old, new Date(now - 40 * day));
    const oldPending = await oldMessage(new Date(now - 39 * day));
    const recent = await oldMessage(new Date(now - 2 * day));
    await finished(recent, new Date(now - 2 * day));
    const shortLived = await oldMessage(new Date(now - 5 * hour), 2);
    await finished(shortLived, new Date(now - 5 * hour));
    const shortButYoung = await oldMessage(new Date(now - hour), 2);

    const report = await runRetention({ db: database.db, retention, now: () => now, batch: 2 });
    expect(report).toMatchObject({ payloads: 2, messages: 1 });

    // Past the log retention: the message, its deliveries and attempts are gone.
    expect((await payloadOf(ancient)).status).toBe(404);
    expect(await count('deliveries', ancient)).toBe(0);
    expect(await count('attempts', ancient)).toBe(0);
    // Past the payload retention: it reads as expunged; its delivery and attempt stay, the
    // attempt without its response excerpt.
    expect(await payloadOf(old)).toEqual({ status: 200, payload: {} });
    expect(await count('deliveries', old)).toBe(1);
    expect(await responsesOf(old)).toEqual([null]);
    // Its own retention (2 hours) is honoured both ways.
    expect(await payloadOf(shortLived)).toEqual({ status: 200, payload: {} });
    expect(await responsesOf(shortLived)).toEqual([null]);
    expect((await payloadOf(shortButYoung)).payload).toEqual({ amount: 42 });
    // Recent, or still to be delivered: untouched.
    expect((await payloadOf(recent)).payload).toEqual({ amount: 42 });
    expect(await responsesOf(recent)).toEqual(['thanks']);
    expect((await payloadOf(oldPending)).payload).toEqual({ amount: 42 });
    const { rows } = await env.sql.query<{ status: string }>(
      'select status from deliveries where message_id = $1',
      [oldPending],
    );
    expect(rows).toEqual([{ status: 'pending' }]);

    // Once its delivery is done, the message still being delivered is purged in turn.
    await finished(oldPending, new Date(now));
    await runRetention({ db: database.db, retention, now: () => now + 2 * hour });
    expect(await payloadOf(oldPending)).toEqual({ status: 200, payload: {} });
    expect((await payloadOf(recent)).payload).toEqual({ amount: 42 });
  });

  it('honours payloadRetentionHours and payloadRetentionPeriod sent with a message', async () => {
    const send = async (extra: Record<string, number>) => {
      const res = await client.post(`/api/v1/app/${appId}/msg`, {
        eventType: 'invoice.paid',
        payload: { amount: 7 },
        ...extra,
      });
      expect(res.status).toBe(202);
      const id = res.json<{ id: Id<'message'> }>().id;
      await finished(id, new Date());
      return id;
    };
    const hours = await send({ payloadRetentionHours: 1 });
    const days = await send({ payloadRetentionPeriod: 1 });
    const later = Date.now() + 2 * hour;
    await runRetention({ db: database.db, retention, now: () => later });
    expect(await payloadOf(hours)).toEqual({ status: 200, payload: {} });
    expect((await payloadOf(days)).payload).toEqual({ amount: 7 });
    await runRetention({ db: database.db, retention, now: () => later + day });
    expect(await payloadOf(days)).toEqual({ status: 200, payload: {} });
  });

  it('cancels the failed deliveries of a message whose payload it purges, each with a delivery.canceled', async () => {
    const res = await client.post(`/api/v1/app/${appId}/msg`, {
      eventType: 'invoice.paid',
      payload: { amount: 9 },
      payloadRetentionHours: 1,
    });
    const msgId = res.json<{ id: Id<'message'> }>().id;
    const { rows } = await env.sql.query<{ id: string; endpoint_id: string }>(
      `update deliveries set status = 'failed', attempt_count = 1, next_attempt_at = null
        where message_id = $1 returning id, endpoint_id`,
      [msgId],
    );
    const redis = createRedis({ url: env.redisUrl, role: 'producer' });
    await waitUntilReady(redis, 5000);
    const status = createStatusPublisher({
      connection: redis,
      settings: { prefix: env.redisPrefix, windowMs: 600_000, maxLen: 100_000 },
    });
    await runRetention({ db: database.db, retention, now: () => Date.now() + 2 * hour, status });
    await status.flush();
    expect(await payloadOf(msgId)).toEqual({ status: 200, payload: {} });
    const entries = await redis.xrange(statusStreamKey(env.redisPrefix, tenantId), '-', '+');
    redis.disconnect();
    const events = entries.flatMap(([id, fields]) => parseStatusEntry(id, fields) ?? []);
    const canceled = events.filter((e) => e.type === 'delivery.canceled');
    expect(canceled.filter((e) => e.data.msgId === msgId)).toEqual([
      {
        id: expect.any(String),
        type: 'delivery.canceled',
        timestamp: expect.any(String),
        data: {
          msgId,
          appId,
          endpointId: rows[0]?.endpoint_id,
          deliveryId: rows[0]?.id,
          eventType: 'invoice.paid',
          status: 'canceled',
          reason: 'message_expunged',
        },
      },
    ]);
  });

  it('runs as part of the worker housekeeping, leaving another tenant alone', async () => {
    const other = await api.newTenant('Other');
    const otherApp = (await other.client.post('/api/v1/app', { name: 'Theirs' })).json<{
      id: string;
    }>().id;
    const res = await other.client.post(`/api/v1/app/${otherApp}/msg`, {
      eventType: 'a.b',
      payload: { kept: true },
    });
    const housekeeping = createHousekeeping({
      db: database.db,
      logger: createLogger({ name: 'test', level: 'silent' }),
      retention,
      deletionBatch: 500,
    });
    await housekeeping();
    const kept = await other.client.get(
      `/api/v1/app/${otherApp}/msg/${res.json<{ id: string }>().id}`,
    );
    expect(kept.json<{ payload: unknown }>().payload).toEqual({ kept: true });
  });
});
