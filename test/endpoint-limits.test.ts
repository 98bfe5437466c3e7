import { createDatabase, type Database } from '@hookrail/db';
import { newId, type Id } from '@hookrail/ids';
import { EndpointLimits } from '@hookrail/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';

// The worker's cache of endpoint limits, against the real endpoints table. Time is passed in:
// `now` is whatever the test says it is.
const env = useTestEnv();
const api = useTestApi(env);
let database: Database;

beforeAll(() => {
  database = createDatabase({ url: env.databaseUrl, max: 2 });
});
afterAll(async () => {
  await database.close();
});

async function newEndpoint(): Promise<Id<'endpoint'>> {
  const { client } = await api.newTenant();
  const app = (await client.post('/api/v1/app', { name: 'Limits' })).json<{ id: string }>();
  const endpoint = (
    await client.post(`/api/v1/app/${app.id}/endpoint`, { url: 'https://example.com/hook' })
  ).json<{ id: Id<'endpoint'> }>();
  return endpoint.id;
}

const setMaxInflight = (id: Id<'endpoint'>, max: number) =>
  env.sql.query('update endpoints set max_inflight = $2 where id = $1', [id, max]);

/** Asks until `limits` answers `expected` at `now`, or fails at the deadline. */
async function eventually(
  limits: EndpointLimits,
  id: Id<'endpoint'>,
  now: number,
  expected: number,
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await limits.get(id, now)).maxInflight !== expected) {
    if (Date.now() > deadline) throw new Error(`max in flight never became ${expected}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('endpoint limits in the worker', () => {
  it('past their time to live are still used while one read in the background refreshes them', async () => {
    const id = await newEndpoint();
    const limits = new EndpointLimits(database.db, 50, 1000);
    expect(await limits.get(id, 0)).toEqual({ rate: null, maxInflight: 50 });
    await setMaxInflight(id, 7);
    expect((await limits.get(id, 999)).maxInflight).toBe(50);
    // Stale: answered from what is known, without waiting for Postgres...
    expect((await limits.get(id, 1500)).maxInflight).toBe(50);
    // ...which the refresh then replaces.
    await eventually(limits, id, 1500, 7);
  });

  it('not asked for in twice their time to live are read before use', async () => {
    const id = await newEndpoint();
    const limits = new EndpointLimits(database.db, 50, 1000);
    expect((await limits.get(id, 0)).maxInflight).toBe(50);
    await setMaxInflight(id, 9);
    expect((await limits.get(id, 2000)).maxInflight).toBe(9);
  });

  it('of an endpoint that is not there are the defaults', async () => {
    const limits = new EndpointLimits(database.db, 12, 1000);
    expect(await limits.get(newId('endpoint'), 0)).toEqual({
      rate: null,
      maxInflight: 12,
    });
  });
});
