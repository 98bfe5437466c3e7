import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const env = useTestEnv();
const api = useTestApi(env);
// One attempt each: a failure is final at once.
useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: 'none' });
const receiver = useReceiver();

interface LogLine {
  id: string;
  msgId: string;
  appId: string;
  appName: string;
  endpointId: string;
  endpointUrl: string;
  eventType: string;
  deliveryStatus: string;
  attemptCount: number;
  lastStatusCode: number | null;
}
interface LogPage {
  data: LogLine[];
  iterator: string | null;
  done: boolean;
}

let client: HttpClient;
let shop: { id: string; ok: string; failing: string };
let blog: { id: string };
const sent: string[] = []; // message ids, oldest first
let between: string;

async function app(name: string): Promise<string> {
  return (await client.post('/api/v1/app', { name })).json<{ id: string }>().id;
}
async function endpoint(appId: string, path: string): Promise<string> {
  const res = await client.post(`/api/v1/app/${appId}/endpoint`, { url: receiver.url + path });
  return res.json<{ id: string }>().id;
}
async function send(appId: string, eventType: string): Promise<void> {
  const res = await client.post(`/api/v1/app/${appId}/msg`, { eventType, payload: { n: 1 } });
  sent.push(res.json<{ id: string }>().id);
}
async function log(query = ''): Promise<LogPage> {
  const res = await client.get(`/api/v1/delivery${query}`);
  expect(res.status, res.text).toBe(200);
  return res.json<LogPage>();
}

beforeAll(async () => {
  client = (await api.newTenant()).client;
  receiver.answer((req) => (req.path === '/failing' ? { status: 500 } : { status: 200 }));
  const shopId = await app('Shop');
  shop = {
    id: shopId,
    ok: await endpoint(shopId, '/ok'),
    failing: await endpoint(shopId, '/failing'),
  };
  blog = { id: await app('Blog') };
  await endpoint(blog.id, '/blog');
  await send(shop.id, 'order.paid');
  await send(shop.id, 'order.shipped');
  await waitFor('the first two messages to be delivered', () => receiver.requests.length >= 4);
  between = new Date().toISOString();
  await waitFor('the clock to pass the boundary', () => Date.now() > Date.parse(between) + 2);
  await send(blog.id, 'post.published');
  await waitFor('every delivery to be final', async () => {
    const { rows } = await env.sql.query<{ n: number }>(
      "select count(*)::int as n from deliveries where status in ('pending', 'sending')",
    );
    const total = await env.sql.query<{ n: number }>('select count(*)::int as n from deliveries');
    return rows[0]?.n === 0 && total.rows[0]?.n === 5;
  });
});

describe('the delivery log (GET /api/v1/delivery)', () => {
  it("lists every delivery of the tenant's applications, newest first, with its message and endpoint", async () => {
    const page = await log();
    expect(page.done).toBe(true);
    expect(page.data.map((l) => l.msgId)).toEqual([sent[2], sent[1], sent[1], sent[0], sent[0]]);
    const failed = page.data.find((l) => l.msgId === sent[0] && l.endpointId === shop.failing);
    expect(failed).toMatchObject({
      appId: shop.id,
      appName: 'Shop',
      endpointUrl: `${receiver.url}/failing`,
      eventType: 'order.paid',
      deliveryStatus: 'failed',
      attemptCount: 1,
      lastStatusCode: 500,
    });
  });

  it('filters by application, endpoint, event type, status and time', async () => {
    expect((await log(`?app_id=${blog.id}`)).data.map((l) => l.msgId)).toEqual([sent[2]]);
    const failing = await log(`?app_id=${shop.id}&endpoint_id=${shop.failing}`);
    expect(failing.data.map((l) => l.deliveryStatus)).toEqual(['failed', 'failed']);
    const types = await log('?event_types=order.shipped,post.published');
    expect(types.data.map((l) => l.eventType)).toEqual([
      'post.published',
      'order.shipped',
      'order.shipped',
    ]);
    const statuses = await log('?status=failed');
    expect(statuses.data.map((l) => l.endpointId)).toEqual([shop.failing, shop.failing]);
    const succeededOrFailed = await log('?status=succeeded&status=failed');
    expect(succeededOrFailed.data).toHaveLength(5);
    expect((await log(`?after=${between}`)).data.map((l) => l.msgId)).toEqual([sent[2]]);
    expect((await log(`?before=${between}`)).data.map((l) => l.msgId)).toEqual([
      sent[1],
      sent[1],
      sent[0],
      sent[0],
    ]);
  });

  it('pages with a cursor, without gaps or repeats', async () => {
    const all = (await log()).data.map((l) => l.id);
    const seen: string[] = [];
    let query = '?limit=2';
    for (;;) {
      const page = await log(query);
      seen.push(...page.data.map((l) => l.id));
      if (page.done) break;
      query = `?limit=2&iterator=${page.iterator ?? ''}`;
    }
    expect(seen).toEqual(all);
  });

  it('is the same within one application for its portal, and nothing of another tenant', async () => {
    const scoped = await client.get(`/api/v1/app/${shop.id}/delivery?status=succeeded`);
    expect(scoped.json<LogPage>().data.map((l) => l.endpointId)).toEqual([shop.ok, shop.ok]);
    const { token } = (await client.post(`/api/v1/auth/app-portal-access/${blog.id}`, {})).json<{
      token: string;
    }>();
    const portal = new HttpClient(api.url, token);
    expect((await portal.get(`/api/v1/app/${blog.id}/delivery`)).json<LogPage>().data).toHaveLength(
      1,
    );
    expect((await portal.get(`/api/v1/app/${shop.id}/delivery`)).status).toBe(404);
    expect((await portal.get('/api/v1/delivery')).status).toBe(403);

    const other = (await api.newTenant()).client;
    expect((await other.get('/api/v1/delivery')).json<LogPage>().data).toEqual([]);
    expect((await other.get(`/api/v1/delivery?app_id=${shop.id}`)).status).toBe(404);
    expect((await other.get(`/api/v1/app/${shop.id}/delivery`)).status).toBe(404);
  });

  it('answers bad filters with a 422 that says what to fix', async () => {
    const status = await client.get('/api/v1/delivery?status=lost');
    expect(status.status).toBe(422);
    expect(status.json()).toMatchObject({
      code: 'validation',
      detail: [{ loc: ['query', 'status', 0] }],
    });
    const orphan = await client.get(`/api/v1/delivery?endpoint_id=${shop.ok}`);
    expect(orphan.status).toBe(422);
    expect(orphan.json()).toMatchObject({ detail: [{ loc: ['query', 'endpoint_id'] }] });
    expect((await client.get('/api/v1/delivery?after=yesterday')).status).toBe(422);
  });
});

describe('finding things in the delivery log', () => {
  it("finds a message's deliveries by message id, eventId or tag, and no other tenant's", async () => {
    const res = await client.post(`/api/v1/app/${shop.id}/msg`, {
      eventType: 'order.refunded',
      eventId: 'refund-7781',
      tags: ['vip', 'eu'],
      payload: { n: 2 },
    });
    expect(res.status).toBe(202);
    const msgId = res.json<{ id: string }>().id;
    // Another message of another application with the same eventId (eventIds are per application).
    const twin = (
      await client.post(`/api/v1/app/${blog.id}/msg`, {
        eventType: 'post.published',
        eventId: 'refund-7781',
        payload: { n: 3 },
      })
    ).json<{ id: string }>().id;

    const byId = await log(`?msg_id=${msgId}`);
    expect(new Set(byId.data.map((l) => l.msgId))).toEqual(new Set([msgId]));
    expect(byId.data.map((l) => l.endpointId).sort()).toEqual([shop.failing, shop.ok].sort());
    const byEventId = await log('?event_id=refund-7781');
    expect(new Set(byEventId.data.map((l) => l.msgId))).toEqual(new Set([msgId, twin]));
    const inShop = await log(`?event_id=refund-7781&app_id=${shop.id}`);
    expect(new Set(inShop.data.map((l) => l.msgId))).toEqual(new Set([msgId]));
    const byTag = await log('?tag=vip');
    expect(new Set(byTag.data.map((l) => l.msgId))).toEqual(new Set([msgId]));
    expect((await log('?tag=nobody')).data).toEqual([]);
    expect((await log(`?msg_id=${sent[0] ?? ''}&tag=vip`)).data).toEqual([]);

    const other = (await api.newTenant()).client;
    for (const query of [`?msg_id=${msgId}`, '?event_id=refund-7781', '?tag=vip']) {
      const page = await other.get(`/api/v1/delivery${query}`);
      expect(page.status).toBe(200);
      expect(page.json<LogPage>().data, query).toEqual([]);
    }
  });

  it('answers a malformed search with a 422 naming the parameter', async () => {
    for (const [query, loc] of [
      ['?msg_id=refund-7781', 'msg_id'],
      ['?event_id=has%20space', 'event_id'],
      ['?tag=a%20b', 'tag'],
    ] as const) {
      const res = await client.get(`/api/v1/delivery${query}`);
      expect(res.status, query).toBe(422);
      expect(res.json(), query).toMatchObject({
        code: 'validation',
        detail: [{ loc: ['query', loc] }],
      });
    }
  });
});
