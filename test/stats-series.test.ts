import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const env = useTestEnv();
const api = useTestApi(env);
// One attempt each: a failure is final at once.
useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: 'none' });
const receiver = useReceiver();

interface Bucket {
  start: string;
  succeeded: number;
  failed: number;
  pending: number;
  canceled: number;
}
interface Series {
  since: string;
  until: string;
  interval: string;
  data: Bucket[];
}

let client: HttpClient;
let other: HttpClient;
let shop: { id: string; ok: string; failing: string };
let blog: string;

async function series(path: string, status = 200): Promise<Series> {
  const res = await client.get(path);
  expect(res.status, res.text).toBe(status);
  return res.json<Series>();
}
function total(s: Series, field: keyof Omit<Bucket, 'start'>): number {
  return s.data.reduce((sum, b) => sum + b[field], 0);
}

beforeAll(async () => {
  client = (await api.newTenant('Shop owner')).client;
  other = (await api.newTenant('Someone else')).client;
  receiver.answer((req) => (req.path === '/failing' ? { status: 500 } : { status: 200 }));
  const app = async (name: string) =>
    (await client.post('/api/v1/app', { name })).json<{ id: string }>().id;
  const endpoint = async (appId: string, path: string) =>
    (await client.post(`/api/v1/app/${appId}/endpoint`, { url: receiver.url + path })).json<{
      id: string;
    }>().id;
  const shopId = await app('Shop');
  shop = {
    id: shopId,
    ok: await endpoint(shopId, '/ok'),
    failing: await endpoint(shopId, '/failing'),
  };
  blog = await app('Blog');
  await endpoint(blog, '/blog');
  for (const [appId, eventType] of [
    [shop.id, 'order.paid'],
    [shop.id, 'order.shipped'],
    [shop.id, 'order.paid'],
    [blog, 'post.published'],
  ] as const) {
    const res = await client.post(`/api/v1/app/${appId}/msg`, { eventType, payload: { n: 1 } });
    expect(res.status).toBe(202);
  }
  await waitFor('every delivery to be final', async () => {
    const { rows } = await env.sql.query<{ open: number; all: number }>(
      "select count(*) filter (where status in ('pending', 'sending'))::int as open, count(*)::int as all from deliveries",
    );
    return rows[0]?.open === 0 && rows[0].all === 7;
  });
});

describe('delivery series (GET .../stats/series)', () => {
  it("counts an endpoint's deliveries by status, in the bucket of their creation time", async () => {
    const ok = await series(`/api/v1/app/${shop.id}/endpoint/${shop.ok}/stats/series`);
    expect(ok.interval).toBe('1h');
    expect(ok.data).toHaveLength(24);
    expect(Date.parse(ok.until) - Date.parse(ok.since)).toBe(24 * 3600 * 1000);
    expect([total(ok, 'succeeded'), total(ok, 'failed')]).toEqual([3, 0]);
    const until = new Date(Date.now() + 60_000);
    const since = new Date(until.getTime() - 3600_000);
    const failing = await series(
      `/api/v1/app/${shop.id}/endpoint/${shop.failing}/stats/series?interval=5m&since=${encodeURIComponent(since.toISOString())}&until=${encodeURIComponent(until.toISOString())}`,
    );
    expect(failing.since).toBe(since.toISOString());
    expect(failing.data).toHaveLength(12);
    expect([total(failing, 'succeeded'), total(failing, 'failed')]).toEqual([0, 3]);
    // Each delivery is counted in the bucket that holds its creation time.
    const { rows } = await env.sql.query<{ created_at: Date }>(
      'select created_at from deliveries where endpoint_id = $1',
      [shop.failing],
    );
    for (const bucket of failing.data) {
      const start = Date.parse(bucket.start);
      const inside = rows.filter(
        (r) => r.created_at.getTime() >= start && r.created_at.getTime() < start + 300_000,
      );
      expect(bucket.failed, bucket.start).toBe(inside.length);
    }
    // The endpoint's uid or id: the same lookup as every other endpoint route.
    const empty = await series(
      `/api/v1/app/${shop.id}/endpoint/${shop.ok}/stats/series?until=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`,
    );
    expect(total(empty, 'succeeded')).toBe(0);
  });

  it("counts the tenant's deliveries, or one application's", async () => {
    const all = await series('/api/v1/stats/series?interval=15m');
    expect(all.data).toHaveLength(96);
    expect([total(all, 'succeeded'), total(all, 'failed'), total(all, 'pending')]).toEqual([
      4, 3, 0,
    ]);
    const blogOnly = await series(`/api/v1/stats/series?app_id=${blog}`);
    expect([total(blogOnly, 'succeeded'), total(blogOnly, 'failed')]).toEqual([1, 0]);
    // Another tenant sees none of them.
    const res = await other.get('/api/v1/stats/series');
    expect(res.status).toBe(200);
    expect(total(res.json<Series>(), 'succeeded')).toBe(0);
  });

  it("answers 404 for another tenant's application or endpoint", async () => {
    for (const path of [
      `/api/v1/stats/series?app_id=${shop.id}`,
      `/api/v1/app/${shop.id}/endpoint/${shop.ok}/stats/series`,
    ]) {
      const res = await other.get(path);
      expect(res.status, path).toBe(404);
      expect(res.json()).toMatchObject({ code: 'not_found' });
    }
    const ownApp = (await other.post('/api/v1/app', { name: 'Mine' })).json<{ id: string }>().id;
    const res = await other.get(`/api/v1/app/${ownApp}/endpoint/${shop.ok}/stats/series`);
    expect(res.status).toBe(404);
  });

  it('answers a bad window or interval with a 422 naming the problem', async () => {
    const cases: [string, string, (string | number)[]][] = [
      ['?interval=2h', 'invalid_value', ['query', 'interval']],
      ['?since=yesterday', 'invalid_format', ['query', 'since']],
      [
        `?since=${encodeURIComponent('2026-01-02T00:00:00Z')}&until=${encodeURIComponent('2026-01-01T00:00:00Z')}`,
        'invalid_window',
        ['query', 'since'],
      ],
      [
        `?interval=5m&since=${encodeURIComponent('2026-01-01T00:00:00Z')}&until=${encodeURIComponent('2026-01-02T00:00:01Z')}`,
        'too_many_buckets',
        ['query', 'interval'],
      ],
      [`?app_id=${encodeURIComponent('no spaces')}`, 'invalid_format', ['query', 'app_id']],
    ];
    for (const [query, type, loc] of cases) {
      const res = await client.get(`/api/v1/stats/series${query}`);
      expect(res.status, query).toBe(422);
      expect(res.json(), query).toMatchObject({
        code: 'validation',
        detail: expect.arrayContaining([expect.objectContaining({ loc, type })]),
      });
    }
    const res = await client.get(
      `/api/v1/app/${shop.id}/endpoint/${shop.ok}/stats/series?interval=1d&since=${encodeURIComponent('2000-01-01T00:00:00Z')}`,
    );
    expect(res.json()).toMatchObject({
      code: 'validation',
      detail: [{ type: 'too_many_buckets' }],
    });
  });
});
