import { idFloor, type Id } from '@hookrail/ids';
import { sql, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../client.ts';
import { attempts, deliveries, messages, payloadExpiries, settings } from '../schema/index.ts';
import type { CanceledDelivery } from './deliveries.ts';
import { expungeMessages } from './expunge.ts';

/**
 * Retention: each helper does one bounded batch in one short transaction and says how much it
 * did, so a caller repeats it until a batch comes back short. Rows are picked by an index range
 * with a LIMIT, and the rows locked are only those of the batch: ingest, delivery and the API
 * go on while it runs. Times are passed in (`now`), never read from the clock here.
 */

/** What a retention batch did. `more` is true when it was full: there may be more to do. */
export interface BatchReport {
  done: number;
  more: boolean;
  /**
   * Deliveries a payload purge canceled (a failed one, which could otherwise be retried with
   * no content), for their `delivery.canceled` events.
   */
  canceled?: CanceledDelivery[];
}

/** A message with a delivery still to be made keeps its payload; it is looked at again later. */
const busy = (message: SQL) => sql`exists (
  select 1 from ${deliveries} d
   where d.message_id = ${message} and d.status in ('pending', 'sending'))`;

/** How long a message found still being delivered waits before it is looked at again. */
const recheckMs = 3_600_000;

/**
 * Where a scan over ids stopped, kept in `settings` so that each batch starts where the last
 * one ended (an index range, never a walk over rows already done). Read FOR UPDATE: two workers
 * running the same scan wait for each other instead of doing a batch twice.
 */
async function cursor(tx: Tx, name: string): Promise<string> {
  await tx.insert(settings).values({ name, value: '' }).onConflictDoNothing();
  const rows = await tx.execute<{ value: string }>(
    sql`select value from ${settings} where name = ${name} for update`,
  );
  return rows.rows[0]?.value ?? '';
}

async function moveCursor(tx: Tx, name: string, value: string): Promise<void> {
  await tx.execute(sql`update ${settings} set value = ${value} where name = ${name}`);
}

/**
 * Purges the payloads of messages older than the installation's retention, in id order from
 * where the last batch stopped. Skipped: messages already expunged, and those with their own
 * retention (`payload_expiries`, see `purgeExpiredPayloads`). A message with a delivery still
 * pending or sending is handed to `payload_expiries` to be looked at again in an hour, so the
 * scan never stalls behind it.
 */
export async function purgeOldPayloads(
  db: Db,
  options: { now: Date; retentionMs: number; batch: number },
): Promise<BatchReport> {
  const floor = idFloor('message', new Date(options.now.getTime() - options.retentionMs));
  return db.transaction(async (tx) => {
    const after = await cursor(tx, 'retention.payloads');
    const scanned = await tx.execute<{
      id: Id<'message'>;
      tenant_id: Id<'tenant'>;
      skip: boolean;
      busy: boolean;
    }>(sql`
      select m.id, m.tenant_id,
             m.expunged_at is not null
               or exists (select 1 from ${payloadExpiries} x where x.message_id = m.id) as skip,
             ${busy(sql`m.id`)} as busy
        from ${messages} m
       where m.id > ${after} and m.id < ${floor}
       order by m.id
       limit ${options.batch}`);
    const rows = scanned.rows;
    const purge = rows.filter((r) => !r.skip && !r.busy).map((r) => r.id);
    const later = rows.filter((r) => !r.skip && r.busy);
    const { canceled } = await expungeMessages(tx, purge);
    if (later.length > 0) {
      await tx
        .insert(payloadExpiries)
        .values(
          later.map((r) => ({
            messageId: r.id,
            tenantId: r.tenant_id,
            expiresAt: new Date(options.now.getTime() + recheckMs),
          })),
        )
        .onConflictDoNothing();
    }
    const last = rows.at(-1);
    if (last !== undefined) await moveCursor(tx, 'retention.payloads', last.id);
    return { done: purge.length, more: rows.length === options.batch, canceled };
  });
}

/**
 * Purges the payloads (and the attempts' response excerpts) of messages whose own expiry
 * (`payload_expiries`) has passed, soonest first. Rows another worker holds are skipped
 * (SKIP LOCKED); a message still being delivered is looked at again in an hour.
 */
export async function purgeExpiredPayloads(
  db: Db,
  options: { now: Date; batch: number },
): Promise<BatchReport> {
  return db.transaction(async (tx) => {
    const due = await tx.execute<{ message_id: Id<'message'>; busy: boolean }>(sql`
      select x.message_id, ${busy(sql`x.message_id`)} as busy
        from ${payloadExpiries} x
       where x.expires_at <= ${options.now}
       order by x.expires_at
       limit ${options.batch}
         for update of x skip locked`);
    const purge = due.rows.filter((r) => !r.busy).map((r) => r.message_id);
    const later = due.rows.filter((r) => r.busy).map((r) => r.message_id);
    const { canceled } = await expungeMessages(tx, purge);
    if (purge.length > 0) {
      const ids = sql.join(
        purge.map((id) => sql`${id}`),
        sql`, `,
      );
      await tx.execute(
        sql`update ${attempts} set response = null where message_id in (${ids}) and response is not null`,
      );
      await tx.execute(sql`delete from ${payloadExpiries} where message_id in (${ids})`);
    }
    if (later.length > 0) {
      const ids = sql.join(
        later.map((id) => sql`${id}`),
        sql`, `,
      );
      await tx.execute(
        sql`update ${payloadExpiries} set expires_at = ${new Date(options.now.getTime() + recheckMs)}
             where message_id in (${ids})`,
      );
    }
    return { done: purge.length, more: due.rows.length === options.batch, canceled };
  });
}

/**
 * Deletes the response excerpts of attempts older than the retention, in id order from where
 * the last batch stopped. The attempt rows stay (status, duration, error) for the log.
 */
export async function purgeOldResponses(
  db: Db,
  options: { now: Date; retentionMs: number; batch: number },
): Promise<BatchReport> {
  const floor = idFloor('attempt', new Date(options.now.getTime() - options.retentionMs));
  return db.transaction(async (tx) => {
    const after = await cursor(tx, 'retention.responses');
    const result = await tx.execute<{ id: Id<'attempt'> | null; n: number; purged: number }>(sql`
      with batch as (
        select id from ${attempts} where id > ${after} and id < ${floor} order by id limit ${options.batch}
      ), purged as (
        update ${attempts} a set response = null
          from batch where a.id = batch.id and a.response is not null
        returning a.id
      )
      select (select max(id) from batch) as id, (select count(*) from batch)::int as n,
             (select count(*) from purged)::int as purged`);
    const row = result.rows[0];
    if (row?.id != null) await moveCursor(tx, 'retention.responses', row.id);
    return { done: row?.purged ?? 0, more: (row?.n ?? 0) === options.batch };
  });
}

/**
 * Deletes messages older than the log retention with their deliveries and attempts (foreign
 * keys cascade), oldest first; a message with a delivery still pending or sending stays.
 * Rows another transaction holds are skipped, not waited for.
 */
export async function deleteOldMessages(
  db: Db,
  options: { now: Date; logRetentionMs: number; batch: number },
): Promise<BatchReport> {
  const floor = idFloor('message', new Date(options.now.getTime() - options.logRetentionMs));
  const result = await db.execute(sql`
    delete from ${messages} where id in (
      select m.id from ${messages} m
       where m.id < ${floor} and not ${busy(sql`m.id`)}
       order by m.id
       limit ${options.batch}
         for update skip locked)`);
  const done = result.rowCount ?? 0;
  return { done, more: done === options.batch };
}
