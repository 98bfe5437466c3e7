import {
  attempts,
  createDatabase,
  deletedTargets,
  purgeDeletedBatch,
  withHousekeepingLock,
  type Database,
} from '@hookrail/db';
import { newId, type Id } from '@hookrail/ids';
import { createLogger } from '@hookrail/logger';
import {
  createRedis,
  createStatusPublisher,
  statusStreamKey,
  waitUntilReady,
  type StatusPublisher,
} from '@hookrail/queue';
import { createHousekeeping, type DeletionReport } from '@hookrail/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { StreamClient, UpgradeRefused } from './support/stream-client.ts';
import { waitFor } from './support/wait.ts';
import { testWorkerConfig, useTestWorker } from './support/worker.ts';

// Deleting answers at once and hides at once; the purge is the worker's housekeeping, which
// here never runs by itself (a reconcile interval of an hour): each test runs it, with the
// batch size HOOKRAIL_DELETION_BATCH gives, and counts its batches. The worker is started
// once the history is written, so the deleted application's deliveries are still pending.
const env = useTestEnv();
const api = useTestApi(env);
const workerEnv = { HOOKRAIL_RECONCILE_INTERVAL: '3600', HOOKRAIL_DELETION_BATCH: '4' };
const worker = useTestWorker(env, workerEnv, { autostart: false });
const receiver = useReceiver();
let database: Database;

beforeAll(() => {
  database = createDatabase({ url: env.databaseUrl, max: 4 });
});
afterAll(async () => {
  await database.close();
});

function housekeeping(status?: StatusPublisher) {
  return createHousekeeping({
    db: database.db,
    logger: createLogger({ name: 'test', level: 'silent' }),
    retention: { payloadDays: 30, logDays: 90 },
    deletionBatch: testWorkerConfig(env, workerEnv).deletionBatch,
    ...(status && { status }),
  });
}

async function purged(status?: StatusPublisher): Promise<DeletionReport> {
  const report = await housekeeping(status)();
  if (typeof report.deletion === 'string') throw new Error(`deletion ${report.deletion}`);
  return report.deletion;
}

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await env.sql.query<{ n: number }>(`select count(*)::int as n ${sql}`, params);
  return rows[0]?.n ?? -1;
}

/** Rows in each table that belong to the application. */
async function rowsOfApp(appId: string, endpointIds: string[]) {
  return {
    applications: await count('from applications where id = $1', [appId]),
    messages: await count('from messages where app_id = $1', [appId]),
    deliveries: await count('from deliveries where app_id = $1', [appId]),
    attempts: await count('from attempts where app_id = $1', [appId]),
    endpoints: await count('from endpoints where app_id = $1', [appId]),
    secrets: await count('from endpoint_secrets where endpoint_id = any($1)', [endpointIds]),
  };
}

const tenantTables = [
  'applications',
  'api_keys',
  'event_types',
  'endpoints',
  'endpoint_secrets',
  'messages',
  'deliveries',
  'attempts',
  'tasks',
  'portal_token_revocations',
];

async function rowsOfTenant(tenantId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {
    tenants: await count('from tenants where id = $1', [tenantId]),
  };
  for (const table of tenantTables)
    counts[table] = await count(`from ${table} where tenant_id = $1`, [tenantId]);
  return counts;
}

/** An application with an endpoint per path on the receiver. */
async function appWith(client: HttpClient, uid: string, paths: string[]) {
  const app = await client.post('/api/v1/app', { name: uid, uid });
  expect(app.status).toBe(201);
  const id = app.json<{ id: string }>().id;
  const endpointIds: string[] = [];
  for (const path of paths) {
    const ep = await client.post(`/api/v1/app/${id}/endpoint`, { url: `${receiver.url}${path}` });
    expect(ep.status).toBe(201);
    endpointIds.push(ep.json<{ id: string }>().id);
  }
  return { id, endpointIds };
}

/** `n` messages to the application, each delivery with one earlier failed attempt recorded. */
async function history(client: HttpClient, tenantId: string, appId: string, n: number) {
  for (let i = 0; i < n; i++) {
    const res = await client.post(`/api/v1/app/${appId}/msg`, {
      eventType: 'invoice.paid',
      payload: { i },
    });
    expect(res.status).toBe(202);
  }
  const { rows } = await env.sql.query<{
    id: Id<'delivery'>;
    message_id: Id<'message'>;
    endpoint_id: Id<'endpoint'>;
  }>('select id, message_id, endpoint_id from deliveries where app_id = $1', [appId]);
  await database.db.insert(attempts).values(
    rows.map((d) => ({
      id: newId('attempt'),
      tenantId: tenantId as Id<'tenant'>,
      appId: appId as Id<'application'>,
      messageId: d.message_id,
      endpointId: d.endpoint_id,
      deliveryId: d.id,
      eventType: 'invoice.paid',
      attemptNumber: 1,
      trigger: 'scheduled' as const,
      outcome: 'failed' as const,
      url: `${receiver.url}/earlier`,
      startedAt: new Date(),
      durationMs: 5,
      requestHeaders: {},
      statusCode: 503,
      response: 'later',
      error: null,
    })),
  );
}

/** Waits until the worker has claimed every delivery of `appId` it had to send. */
async function noneLeftToSend(appId: string): Promise<void> {
  await waitFor('the deleted deliveries to be claimed', async () =>
    (await count(`from deliveries where app_id = $1 and status in ('pending', 'sending')`, [
      appId,
    ])) === 0
      ? true
      : undefined,
  );
}

describe('deleting an application', () => {
  it('answers 204 at once and 404 right after, sends nothing more, frees its uid, and is purged batch by batch', async () => {
    await worker.stop();
    const tenant = await api.newTenant();
    const doomed = await appWith(tenant.client, 'doomed', ['/doomed-a', '/doomed-b']);
    const kept = await appWith(tenant.client, 'kept', ['/kept']);
    await history(tenant.client, tenant.id, doomed.id, 30);
    await history(tenant.client, tenant.id, kept.id, 3);
    const before = await rowsOfApp(doomed.id, doomed.endpointIds);
    expect(before).toEqual({
      applications: 1,
      messages: 30,
      deliveries: 60,
      attempts: 60,
      endpoints: 2,
      secrets: 2,
    });
    const keptBefore = await rowsOfApp(kept.id, kept.endpointIds);

    // Its portal link and a status stream limited to it, open before the deletion.
    const portal = await tenant.client.post(`/api/v1/auth/app-portal-access/${doomed.id}`, {});
    const portalClient = new HttpClient(api.url, portal.json<{ token: string }>().token);
    expect((await portalClient.get(`/api/v1/app/${doomed.id}`)).status).toBe(200);
    const issued = await tenant.client.post('/api/v1/auth/stream-token', { appId: doomed.id });
    const streamToken = issued.json<{ token: string }>().token;
    const watching = await StreamClient.connect(api.url, streamToken);

    expect((await tenant.client.delete('/api/v1/app/doomed')).status).toBe(204);
    expect((await portalClient.get(`/api/v1/app/${doomed.id}`)).status).toBe(401);
    await waitFor('the stream limited to it to be closed', () => watching.closeCode === 4401);
    const reopened = await StreamClient.connect(api.url, streamToken).then(
      (client) => {
        client.socket.terminate();
        return 101;
      },
      (error: unknown) => (error instanceof UpgradeRefused ? error.status : 0),
    );
    expect(reopened).toBe(401);
    // Gone for every request at once, however large its history.
    expect((await tenant.client.get(`/api/v1/app/${doomed.id}`)).status).toBe(404);
    expect((await tenant.client.get('/api/v1/app/doomed')).status).toBe(404);
    expect((await tenant.client.delete(`/api/v1/app/${doomed.id}`)).status).toBe(404);
    const send = await tenant.client.post(`/api/v1/app/${doomed.id}/msg`, {
      eventType: 'invoice.paid',
      payload: {},
    });
    expect(send.status).toBe(404);
    const listed = (await tenant.client.get('/api/v1/app')).json<{ data: { id: string }[] }>();
    expect(listed.data.map((a) => a.id)).toEqual([kept.id]);
    const log = (await tenant.client.get('/api/v1/delivery?limit=250')).json<{
      data: { appId: string }[];
    }>();
    expect(new Set(log.data.map((d) => d.appId))).toEqual(new Set([kept.id]));
    // Its uid is free for a new application at once.
    const again = await tenant.client.post('/api/v1/app', { name: 'again', uid: 'doomed' });
    expect(again.status).toBe(201);
    const againId = again.json<{ id: string }>().id;
    expect(againId).not.toBe(doomed.id);
    expect((await tenant.client.get('/api/v1/app/doomed')).json<{ id: string }>().id).toBe(againId);

    // The worker now takes the jobs queued before the deletion: it sends the kept
    // application's messages and cancels every delivery of the deleted one unsent.
    await worker.start();
    const late = await tenant.client.post(`/api/v1/app/${kept.id}/msg`, {
      eventType: 'invoice.paid',
      payload: { late: true },
    });
    expect(late.status).toBe(202);
    await waitFor('the kept application to be delivered', () =>
      receiver.requestsTo('/kept').length >= 4 ? true : undefined,
    );
    await noneLeftToSend(doomed.id);
    await worker.stop();
    expect(receiver.requestsTo('/doomed-a')).toEqual([]);
    expect(receiver.requestsTo('/doomed-b')).toEqual([]);
    expect(
      await count(`from deliveries where app_id = $1 and status <> 'canceled'`, [doomed.id]),
    ).toBe(0);

    // A purge cut short (a worker that stopped after two batches) is taken up where it
    // stopped: the rows say what is left.
    const [target] = await deletedTargets(database.db, 10);
    expect(target).toEqual({ kind: 'application', id: doomed.id, tenantId: tenant.id });
    if (target === undefined) return;
    expect(await purgeDeletedBatch(database.db, target, 4)).toEqual({
      state: 'purged',
      table: 'messages',
      rows: 4,
    });
    expect(await purgeDeletedBatch(database.db, target, 4)).toMatchObject({ rows: 4 });
    expect(await count('from messages where app_id = $1', [doomed.id])).toBe(22);

    const report = await purged();
    // 22 messages 4 at a time, then both endpoints in one batch; then the row itself.
    expect(report).toEqual({ batches: 7, rows: 24, finished: 1, unfinished: 0 });
    expect(await rowsOfApp(doomed.id, doomed.endpointIds)).toEqual({
      applications: 0,
      messages: 0,
      deliveries: 0,
      attempts: 0,
      endpoints: 0,
      secrets: 0,
    });
    // The other application of the tenant, and the new one with the old uid, are untouched.
    const keptAfter = await rowsOfApp(kept.id, kept.endpointIds);
    expect(keptAfter).toEqual({
      ...keptBefore,
      messages: keptBefore.messages + 1,
      deliveries: keptBefore.deliveries + 1,
      attempts: keptAfter.attempts,
    });
    expect(keptAfter.attempts).toBeGreaterThan(keptBefore.attempts);
    expect((await tenant.client.get(`/api/v1/app/${againId}`)).status).toBe(200);
    expect((await purged()).batches).toBe(0);
  });
});

describe("a deleted application's deliveries on the status stream", () => {
  it('each ends with one delivery.canceled, whether a claim or the purge finds it', async () => {
    await worker.stop();
    const tenant = await api.newTenant();
    const doomed = await appWith(tenant.client, 'watched', ['/watched']);
    const watcher = await StreamClient.connect(api.url, tenant.apiKey);
    watcher.send({ type: 'subscribe', types: ['delivery.canceled'] });
    await watcher.waitForEvent('the subscription', (m) => m.type === 'subscribed');
    // Two due now, which the worker's claim cancels; two due in an hour, which no worker claims
    // before the purge deletes them.
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    for (const deliverAt of [null, null, inAnHour, inAnHour]) {
      const res = await tenant.client.post(`/api/v1/app/${doomed.id}/msg`, {
        eventType: 'invoice.paid',
        payload: {},
        deliverAt,
      });
      expect(res.status).toBe(202);
    }
    const { rows } = await env.sql.query<{
      id: string;
      msgId: string;
      endpointId: string;
      scheduled: boolean;
    }>(
      `select d.id, d.message_id as "msgId", d.endpoint_id as "endpointId",
              m.deliver_at is not null as scheduled
         from deliveries d join messages m on m.id = d.message_id
        where d.app_id = $1 order by d.id`,
      [doomed.id],
    );
    expect(rows.map((r) => r.scheduled).sort()).toEqual([false, false, true, true]);

    expect((await tenant.client.delete(`/api/v1/app/${doomed.id}`)).status).toBe(204);
    await worker.start();
    await waitFor('the due deliveries to be canceled by their claim', async () =>
      (await count(`from deliveries where app_id = $1 and status = 'canceled'`, [doomed.id])) === 2
        ? true
        : undefined,
    );
    await worker.stop();
    const redis = createRedis({ url: env.redisUrl, role: 'producer' });
    await waitUntilReady(redis, 5000);
    const status = createStatusPublisher({
      connection: redis,
      settings: { prefix: env.redisPrefix, windowMs: 600_000, maxLen: 100_000 },
    });
    expect(await purged(status)).toMatchObject({ finished: 1 });
    await status.flush();

    await waitFor('four delivery.canceled events', () => watcher.events().length >= 4);
    const expected = rows.map((r) => ({
      msgId: r.msgId,
      appId: doomed.id,
      endpointId: r.endpointId,
      deliveryId: r.id,
      eventType: 'invoice.paid',
      status: 'canceled',
      reason: 'application_deleted',
    }));
    const seen = watcher.events().map((e) => e.data);
    expect(
      seen.toSorted((a, b) => String(a?.deliveryId).localeCompare(String(b?.deliveryId))),
    ).toEqual(expected);
    // Every producer is done: the stream itself holds each delivery's event once.
    const entries = await redis.xrange(statusStreamKey(env.redisPrefix, tenant.id), '-', '+');
    const canceled = entries.filter(([, fields]) => fields.includes('delivery.canceled'));
    expect(canceled).toHaveLength(4);
    redis.disconnect();
    watcher.close();
  });
});

describe('deleting a tenant through the operator API', () => {
  it('answers 204 at once, refuses its key and portal links, sends nothing more, and is purged batch by batch by one worker at a time', async () => {
    await worker.stop();
    const doomed = await api.newTenant('Doomed');
    const other = await api.newTenant('Other');
    await doomed.client.post('/api/v1/event-type', { name: 'invoice.paid', description: '' });
    const first = await appWith(doomed.client, 'first', ['/tenant-doomed']);
    const second = await appWith(doomed.client, 'second', ['/tenant-doomed']);
    const theirs = await appWith(other.client, 'theirs', ['/tenant-other']);
    await history(doomed.client, doomed.id, first.id, 9);
    await history(doomed.client, doomed.id, second.id, 5);
    await history(other.client, other.id, theirs.id, 2);
    const portal = await doomed.client.post(`/api/v1/auth/app-portal-access/${first.id}`, {});
    expect(portal.status).toBe(200);
    const portalClient = new HttpClient(api.url, portal.json<{ token: string }>().token);
    expect((await portalClient.get(`/api/v1/app/${first.id}`)).status).toBe(200);
    const otherBefore = await rowsOfTenant(other.id);

    expect((await api.admin.delete(`/api/v1/admin/tenants/${doomed.id}`)).status).toBe(204);
    const refused = await doomed.client.get('/api/v1/app');
    expect(refused.status).toBe(401);
    expect(refused.json()).toMatchObject({ code: 'unauthorized' });
    expect((await portalClient.get(`/api/v1/app/${first.id}`)).status).toBe(401);
    expect((await api.admin.get(`/api/v1/admin/tenants/${doomed.id}`)).status).toBe(404);
    expect((await api.admin.delete(`/api/v1/admin/tenants/${doomed.id}`)).status).toBe(404);
    const tenants = (await api.admin.get('/api/v1/admin/tenants?limit=250')).json<{
      data: { id: string }[];
    }>();
    expect(tenants.data.map((t) => t.id)).not.toContain(doomed.id);
    expect(tenants.data.map((t) => t.id)).toContain(other.id);

    await worker.start();
    await waitFor('the other tenant to be delivered', () =>
      receiver.requestsTo('/tenant-other').length >= 2 ? true : undefined,
    );
    await noneLeftToSend(first.id);
    await noneLeftToSend(second.id);
    await worker.stop();
    expect(receiver.requestsTo('/tenant-doomed')).toEqual([]);

    // While another worker holds the deletion job, this one leaves it alone.
    const meanwhile = await withHousekeepingLock(database.db, 'deletion', () => housekeeping()());
    expect(meanwhile?.deletion).toBe('busy');
    expect((await rowsOfTenant(doomed.id)).messages).toBe(14);

    const report = await purged();
    // 9 messages in 3 batches and its endpoint, then its row; 5 messages in 2 batches and its
    // endpoint, then its row; then the key and the event type; then the tenant row.
    expect(report).toEqual({ batches: 11, rows: 20, finished: 1, unfinished: 0 });
    const left = await rowsOfTenant(doomed.id);
    expect(Object.values(left).every((n) => n === 0)).toBe(true);
    expect(await rowsOfTenant(other.id)).toEqual({
      ...otherBefore,
      attempts: (otherBefore.attempts ?? 0) + 2,
    });
    expect((await other.client.get(`/api/v1/app/${theirs.id}`)).status).toBe(200);
  });
});
