import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { purgeDeleted } from './support/purge.ts';

const env = useTestEnv();
const api = useTestApi(env);

interface App {
  id: string;
  uid: string | null;
  name: string;
  rateLimit: number | null;
  metadata: Record<string, string>;
  createdAt: string;
  updatedAt: string;
}
interface List<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

let client: HttpClient;
beforeAll(async () => {
  client = (await api.newTenant()).client;
});

describe('applications', () => {
  it('are created with Svix field names and read back by id and by uid', async () => {
    const res = await client.post('/api/v1/app', {
      name: 'Customer 42',
      uid: 'cust-42',
      rateLimit: 10,
      metadata: { plan: 'gold' },
    });
    expect(res.status).toBe(201);
    const app = res.json<App>();
    expect(app).toMatchObject({
      name: 'Customer 42',
      uid: 'cust-42',
      rateLimit: 10,
      metadata: { plan: 'gold' },
    });
    expect(app.id).toMatch(/^app_/);
    expect(Date.parse(app.createdAt)).not.toBeNaN();

    expect((await client.get(`/api/v1/app/${app.id}`)).json<App>()).toEqual(app);
    expect((await client.get('/api/v1/app/cust-42')).json<App>()).toEqual(app);
  });

  it('accept throttleRate as the name of rateLimit', async () => {
    const app = (
      await client.post('/api/v1/app', { name: 'Throttled', throttleRate: 7 })
    ).json<App>();
    expect(app.rateLimit).toBe(7);
  });

  it('refuse a uid another application of the tenant has, writing nothing', async () => {
    await client.post('/api/v1/app', { name: 'first', uid: 'taken' });
    const before = await env.sql.query('select count(*)::int as n from applications');
    const res = await client.post('/api/v1/app', { name: 'second', uid: 'taken' });
    expect(res.status).toBe(409);
    expect(res.json()).toMatchObject({ code: 'conflict' });
    expect((await env.sql.query('select count(*)::int as n from applications')).rows).toEqual(
      before.rows,
    );
  });

  it('with get_if_exists return the existing application with that uid', async () => {
    const first = await client.post('/api/v1/app?get_if_exists=true', {
      name: 'Once',
      uid: 'once',
    });
    expect(first.status).toBe(201);
    const second = await client.post('/api/v1/app?get_if_exists=true', {
      name: 'Twice',
      uid: 'once',
    });
    expect(second.status).toBe(200);
    expect(second.json<App>()).toEqual(first.json<App>());
  });

  it('are replaced by PUT, patched field by field by PATCH, and deleted', async () => {
    const app = (
      await client.post('/api/v1/app', { name: 'Old', uid: 'edit-me', metadata: { a: '1' } })
    ).json<App>();
    const put = await client.put(`/api/v1/app/${app.id}`, { name: 'New' });
    expect(put.status).toBe(200);
    // PUT replaces: the uid and metadata it did not mention are cleared.
    expect(put.json<App>()).toMatchObject({ id: app.id, name: 'New', uid: null, metadata: {} });

    const patched = await client.patch(`/api/v1/app/${app.id}`, {
      uid: 'edited',
      metadata: { b: '2' },
    });
    expect(patched.json<App>()).toMatchObject({ name: 'New', uid: 'edited', metadata: { b: '2' } });
    expect(Date.parse(patched.json<App>().updatedAt)).toBeGreaterThanOrEqual(
      Date.parse(app.updatedAt),
    );

    expect((await client.delete('/api/v1/app/edited')).status).toBe(204);
    expect((await client.get(`/api/v1/app/${app.id}`)).status).toBe(404);
    expect((await client.delete(`/api/v1/app/${app.id}`)).status).toBe(404);
  });

  it('are created by a PUT to a uid that does not exist yet', async () => {
    const res = await client.put('/api/v1/app/made-by-put', { name: 'Put' });
    expect(res.status).toBe(201);
    expect(res.json<App>()).toMatchObject({ uid: 'made-by-put', name: 'Put' });
    expect((await client.put('/api/v1/app/made-by-put', { name: 'Put again' })).status).toBe(200);
    expect(
      (await client.put('/api/v1/app/app_01m812de9h11sswev776dm33nv', { name: 'x' })).status,
    ).toBe(404);
  });

  it('are listed page by page in both directions and orders', async () => {
    const { client: fresh } = await api.newTenant();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await fresh.post('/api/v1/app', { name: `app ${i}` })).json<App>().id);

    const first = (await fresh.get('/api/v1/app?limit=2')).json<List<App>>();
    expect(first.data.map((a) => a.id)).toEqual(ids.slice(0, 2));
    expect(first.done).toBe(false);
    const second = (await fresh.get(`/api/v1/app?limit=2&iterator=${first.iterator}`)).json<
      List<App>
    >();
    expect(second.data.map((a) => a.id)).toEqual(ids.slice(2, 4));
    const third = (await fresh.get(`/api/v1/app?limit=2&iterator=${second.iterator}`)).json<
      List<App>
    >();
    expect(third.data.map((a) => a.id)).toEqual(ids.slice(4));
    expect(third.done).toBe(true);

    const back = (await fresh.get(`/api/v1/app?limit=2&iterator=${third.prevIterator}`)).json<
      List<App>
    >();
    expect(back.data.map((a) => a.id)).toEqual(ids.slice(2, 4));

    const descending = (await fresh.get('/api/v1/app?limit=3&order=descending')).json<List<App>>();
    expect(descending.data.map((a) => a.id)).toEqual([...ids].reverse().slice(0, 3));
    const rest = (
      await fresh.get(`/api/v1/app?limit=3&order=descending&iterator=${descending.iterator}`)
    ).json<List<App>>();
    expect(rest.data.map((a) => a.id)).toEqual([...ids].reverse().slice(3));
    expect(rest.done).toBe(true);
  });

  it('deleting one hides its endpoints at once, and the purge then removes them and their secrets', async () => {
    const app = (await client.post('/api/v1/app', { name: 'With endpoints' })).json<App>();
    const ep = await client.post(`/api/v1/app/${app.id}/endpoint`, {
      url: 'https://example.com/a',
    });
    const endpointId = ep.json<{ id: string }>().id;
    expect((await client.delete(`/api/v1/app/${app.id}`)).status).toBe(204);
    expect((await client.get(`/api/v1/app/${app.id}/endpoint/${endpointId}`)).status).toBe(404);
    expect((await purgeDeleted(env)).finished).toBeGreaterThanOrEqual(1);
    const { rows } = await env.sql.query(
      `select (select count(*)::int from endpoints where app_id = $1) as endpoints,
              (select count(*)::int from endpoint_secrets where endpoint_id = $2) as secrets`,
      [app.id, endpointId],
    );
    expect(rows[0]).toEqual({ endpoints: 0, secrets: 0 });
  });
});
