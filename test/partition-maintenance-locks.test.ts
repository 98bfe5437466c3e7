import { createDatabase, maintainAttemptPartitions, type Database } from '@hookrail/db';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { waitFor } from './support/wait.ts';

// Partition maintenance (a schema change) and ingest (one statement writing messages and
// deliveries) meet on the locks of `deliveries`. Each test drives the order in which the two
// take their locks with a third transaction, waiting on what pg_locks shows rather than on
// the clock, and checks that ingest is accepted and written once, whatever the order.
const env = useTestEnv();
const api = useTestApi(env);
let database: Database;
let client: HttpClient;
let appId: string;

const day = 86_400_000;

beforeAll(async () => {
  database = createDatabase({ url: env.databaseUrl, max: 4 });
  const tenant = await api.newTenant();
  client = tenant.client;
  appId = (await client.post('/api/v1/app', { name: 'Locks' })).json<{ id: string }>().id;
  await client.post(`/api/v1/app/${appId}/endpoint`, { url: 'https://example.com/h' });
  // The table partitioned, as a worker leaves it; the tests then attach months far ahead.
  await maintainAttemptPartitions(database.db, {
    now: new Date(),
    monthsAhead: 0,
    dropBefore: new Date(0),
  });
});
afterAll(async () => {
  await database.close();
});

/**
 * Runs `run` with a connection of its own, for a transaction the test drives statement by
 * statement. It waits a minute before checking for deadlocks, so that in any cycle it is part
 * of, the other member's check (after Postgres's default second) runs first and that member
 * is the one rolled back.
 */
async function inSession(run: (other: pg.Client) => Promise<void>): Promise<void> {
  const other = new pg.Client({ connectionString: env.databaseUrl });
  await other.connect();
  try {
    await other.query(`set deadlock_timeout = '1min'`);
    await run(other);
  } finally {
    await other.end();
  }
}

/** Whether a transaction of this database waits for `mode` on `table`. */
async function waitedFor(table: string, mode: string): Promise<boolean> {
  const { rowCount } = await env.sql.query(
    `select 1 from pg_locks l join pg_class c on c.oid = l.relation
      where not l.granted and c.relname = $1 and l.mode = $2
        and l.database = (select oid from pg_database where datname = current_database())`,
    [table, mode],
  );
  return (rowCount ?? 0) > 0;
}

/** Sends a message, and tells (without waiting) whether it has been answered yet. */
function send(payload: unknown) {
  let answered = false;
  const mark = () => {
    answered = true;
  };
  const response = client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload });
  void response.then(mark, mark);
  return { response, answered: () => answered };
}

/** The messages holding `payload`, each with its number of deliveries. */
async function written(payload: unknown): Promise<number[]> {
  const { rows } = await env.sql.query<{ deliveries: number }>(
    `select (select count(*)::int from deliveries d where d.message_id = m.id) as deliveries
       from messages m where m.payload = $1`,
    [JSON.stringify(payload)],
  );
  return rows.map((row) => row.deliveries);
}

/**
 * Sends a message and deadlocks its statement once with `other`: `other` holds back the last
 * table the statement locks, so that it waits while holding `messages` and `deliveries`, then
 * asks for `deliveries`. Postgres rolls the ingest statement back (its check runs first) and
 * `other` gets its lock; returns with `other`'s transaction still open.
 */
async function deadlockIngest(other: pg.Client, payload: unknown) {
  await other.query('begin');
  await other.query('lock table payload_expiries in share mode');
  const ingest = send(payload);
  await waitFor('ingest to wait for payload_expiries', () =>
    waitedFor('payload_expiries', 'RowExclusiveLock'),
  );
  await other.query('lock table deliveries in share mode');
  return ingest;
}

function monthName(time: number): string {
  const d = new Date(time);
  return `attempts_y${d.getUTCFullYear()}m${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

describe('partition maintenance beside ingest', () => {
  it('attaching a month while its lock on tenants is held back never holds up ingest or fails it: the message is accepted, then the month is made', () =>
    inSession(async (other) => {
      const later = Date.now() + 400 * day;
      // A tenant being written: its ROW EXCLUSIVE lock holds back the SHARE ROW EXCLUSIVE
      // lock attaching needs on `tenants` (the foreign key of attempts.tenant_id).
      await other.query('begin');
      await other.query('lock table tenants in row exclusive mode');
      const maintenance = maintainAttemptPartitions(database.db, {
        now: new Date(later),
        monthsAhead: 0,
        dropBefore: new Date(0),
        lockTimeoutMs: 60_000,
      });
      void maintenance.catch(() => undefined); // awaited below, after ingest's answer
      await waitFor('the attach to wait for tenants', () =>
        waitedFor('tenants', 'ShareRowExclusiveLock'),
      );
      // Ingest now: it must not queue behind the waiting attach for `deliveries`.
      const ingest = send({ case: 'attach' });
      await waitFor(
        'ingest to be answered or to wait for deliveries',
        async () => ingest.answered() || (await waitedFor('deliveries', 'RowExclusiveLock')),
      );
      // The tenant's transaction then asks for a lock an ingest statement holds from its start
      // (it locks messages before deliveries). Had ingest queued behind the attach, holding
      // `deliveries`, this would close a cycle: ingest, the attach, this transaction.
      await other.query('lock table messages in share mode');
      await other.query('commit');

      const res = await ingest.response;
      expect(res.status).toBe(202);
      expect(await written({ case: 'attach' })).toEqual([1]);
      await expect(maintenance).resolves.toEqual({ created: [monthName(later)], dropped: [] });
    }));

  it('an ingest statement Postgres rolls back to break a deadlock is sent again: the message is accepted and written once', () =>
    inSession(async (other) => {
      const ingest = await deadlockIngest(other, { case: 'deadlock once' });
      // Its second try waits for this transaction, which got its lock, and now ends.
      await other.query('commit');

      const res = await ingest.response;
      expect(res.status).toBe(202);
      expect(await written({ case: 'deadlock once' })).toEqual([1]);
    }));

  it('an ingest statement that deadlocks on its second try too answers 503 unavailable, to be retried, and writes nothing', () =>
    inSession(async (other) => {
      const ingest = await deadlockIngest(other, { case: 'deadlock twice' });
      // The second try waits for `deliveries` (held here) while holding `messages`, which this
      // transaction now asks for: the second deadlock.
      await waitFor('the second try to wait for deliveries', () =>
        waitedFor('deliveries', 'RowExclusiveLock'),
      );
      await other.query('lock table messages in share mode');
      await other.query('commit');

      const res = await ingest.response;
      expect(res.status).toBe(503);
      expect(res.json<{ code: string }>().code).toBe('unavailable');
      expect(res.headers.get('retry-after')).toBe('5');
      expect(await written({ case: 'deadlock twice' })).toEqual([]);
    }));
});
