import {
  attemptPartitions,
  attempts,
  attemptsPartitioned,
  createDatabase,
  createMessage,
  maintainAttemptPartitions,
  type Database,
} from '@hookrail/db';
import { newId, type Id } from '@hookrail/ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';

// The worker's maintenance turns an existing attempts table into monthly partitions, makes
// them ahead of time and drops old ones whole. Called directly here, with an explicit `now`.
const env = useTestEnv();
const api = useTestApi(env);
let database: Database;
let tenantId: Id<'tenant'>;
let appId: Id<'application'>;

const day = 86_400_000;

beforeAll(async () => {
  // The migrator partitioned the new, empty table; the table of an installation from before
  // partitions is plain, and that is what the worker's maintenance converts.
  await env.sql.query(`
    alter table attempts detach partition attempts_legacy;
    drop table attempts;
    alter table attempts_legacy rename to attempts;
    alter table attempts drop constraint attempts_legacy_bound`);
  const { rows: indexes } = await env.sql.query<{ name: string }>(
    `select relname as name from pg_class where relkind = 'i' and relname like 'attempts_legacy_%'`,
  );
  for (const { name } of indexes) {
    await env.sql.query(`alter index "${name}" rename to "${name.replace('_legacy', '')}"`);
  }
  database = createDatabase({ url: env.databaseUrl, max: 4 });
  const tenant = await api.newTenant();
  tenantId = tenant.id as Id<'tenant'>;
  appId = (await tenant.client.post('/api/v1/app', { name: 'Parts' })).json<{
    id: Id<'application'>;
  }>().id;
  await tenant.client.post(`/api/v1/app/${appId}/endpoint`, { url: 'https://example.com/h' });
});
afterAll(async () => {
  await database.close();
});

/** Writes a message at `at` and one attempt of its delivery, and returns the attempt id. */
async function attemptAt(at: Date): Promise<Id<'attempt'>> {
  const created = await createMessage(database.db, {
    tenantId,
    appId,
    eventType: 'a.b',
    eventId: null,
    channels: null,
    tags: null,
    payload: '{}',
    deliverAt: null,
    at,
  });
  if (!created.ok) throw new Error('message not written');
  const [delivery] = created.deliveries;
  if (delivery === undefined) throw new Error('no delivery');
  const id = newId('attempt', { now: () => at.getTime() });
  await database.db.insert(attempts).values({
    id,
    tenantId,
    appId,
    messageId: created.message.id,
    endpointId: delivery.endpointId,
    deliveryId: delivery.id,
    eventType: 'a.b',
    attemptNumber: 1,
    trigger: 'scheduled',
    outcome: 'succeeded',
    url: 'https://example.com/h',
    startedAt: at,
    durationMs: 3,
    requestHeaders: {},
    statusCode: 200,
    response: 'ok',
  });
  return id;
}

const holder = async (id: string) =>
  (
    await env.sql.query<{ name: string }>(
      'select tableoid::regclass::text as name from attempts where id = $1',
      [id],
    )
  ).rows[0]?.name;

function month(time: number, plus: number): string {
  const d = new Date(time);
  const start = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + plus, 1));
  return `attempts_y${start.getUTCFullYear()}m${String(start.getUTCMonth() + 1).padStart(2, '0')}`;
}

describe('attempt partitions', () => {
  it('turn the existing table into the first partition, keeping its rows, indexes and keys', async () => {
    const now = Date.now();
    const old = await attemptAt(new Date(now - 100 * day));
    expect(await attemptsPartitioned(database.db)).toBe(false);

    const done = await maintainAttemptPartitions(database.db, {
      now: new Date(now),
      monthsAhead: 3,
      dropBefore: new Date(now - 90 * day),
    });
    expect(await attemptsPartitioned(database.db)).toBe(true);
    // The old table holds ids up to the end of next month; the two after are made ahead.
    expect(done).toEqual({ created: [month(now, 2), month(now, 3)], dropped: [] });
    expect((await attemptPartitions(database.db)).map((p) => p.name)).toEqual([
      'attempts_legacy',
      month(now, 2),
      month(now, 3),
    ]);
    expect(await holder(old)).toBe('attempts_legacy');
    // The parent carries the indexes and keys the schema names (drizzle's snapshot agrees).
    const { rows } = await env.sql.query<{ name: string }>(
      `select relname as name from pg_class where oid in (
         select indexrelid from pg_index where indrelid = 'attempts'::regclass) order by 1`,
    );
    expect(rows.map((r) => r.name)).toEqual([
      'attempts_delivery_idx',
      'attempts_endpoint_idx',
      'attempts_message_idx',
      'attempts_pkey',
    ]);
    const keys = await env.sql.query<{ name: string }>(
      `select conname as name from pg_constraint
        where conrelid = 'attempts'::regclass and contype = 'f' order by 1`,
    );
    expect(keys.rows.map((r) => r.name)).toEqual([
      'attempts_delivery_id_deliveries_id_fk',
      'attempts_tenant_id_tenants_id_fk',
    ]);
    const collation = await env.sql.query<{ collation: string }>(
      `select collation_name as collation from information_schema.columns
        where table_name = 'attempts' and column_name = 'id'`,
    );
    expect(collation.rows).toEqual([{ collation: 'C' }]);
    // Rows of the new month go to their partition.
    const d = new Date(now);
    const third = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 3, 1, 1);
    const inThird = await attemptAt(new Date(third));
    expect(await holder(inThird)).toBe(month(now, 3));
    // Recording an attempt again (after an unclear commit) still writes it once.
    const row = (await database.db.select().from(attempts)).find((a) => a.id === inThird);
    if (row === undefined) throw new Error('attempt not found');
    await database.db.insert(attempts).values(row).onConflictDoNothing();
    const copies = await env.sql.query('select 1 from attempts where id = $1', [inThird]);
    expect(copies.rowCount).toBe(1);
  });

  it('are made ahead as time passes and dropped whole once past the log retention', async () => {
    const now = Date.now();
    const recent = await attemptAt(new Date(now - day));
    const later = now + 200 * day;
    const done = await maintainAttemptPartitions(database.db, {
      now: new Date(later),
      monthsAhead: 2,
      dropBefore: new Date(later - 90 * day),
    });
    expect(done.created).toEqual([month(later, 0), month(later, 1), month(later, 2)]);
    // The old table's months all ended before the cutoff; the month made ahead before did too.
    expect(done.dropped).toContain('attempts_legacy');
    expect(await holder(recent)).toBeUndefined();
    const names = (await attemptPartitions(database.db)).map((p) => p.name);
    expect(names).not.toContain('attempts_legacy');
    expect(names.slice(-3)).toEqual([month(later, 0), month(later, 1), month(later, 2)]);
    // Running again changes nothing.
    expect(
      await maintainAttemptPartitions(database.db, {
        now: new Date(later),
        monthsAhead: 2,
        dropBefore: new Date(later - 90 * day),
      }),
    ).toEqual({ created: [], dropped: [] });
    // An attempt of that future month lands in its partition.
    expect(await holder(await attemptAt(new Date(later)))).toBe(month(later, 0));
  });
});
