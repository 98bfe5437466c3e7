import type { Id } from '@hookrail/ids';
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../client.ts';
import { tasks } from '../schema/index.ts';

/** A delivery attempt that should be in the queue. */
export interface DueAttempt {
  deliveryId: Id<'delivery'>;
  endpointId: Id<'endpoint'>;
  attempt: number;
}

// Fixed key of the advisory lock that lets one worker at a time reconcile.
const reconcileLock = [0x686b726c, 2] as const;

/**
 * Runs `pass` in a transaction holding the reconciliation lock, or returns undefined at once
 * when another process holds it. The lock lives in Postgres, not Redis, because reconciling
 * is how Hookrail recovers from losing Redis.
 */
export async function withReconcileLock<T>(
  db: Db,
  pass: (tx: Tx) => Promise<T>,
): Promise<T | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.execute<{ locked: boolean }>(
      sql`select pg_try_advisory_xact_lock(${reconcileLock[0]}, ${reconcileLock[1]}) as locked`,
    );
    return rows[0]?.locked === true ? pass(tx) : undefined;
  });
}

/**
 * Deliveries whose claim expired while `sending` (their worker died, or lost Postgres for
 * longer than the lease) go back to `pending`, giving back the attempt number they had
 * taken: that attempt is made again (at least once; a receiver may see it twice, with the same
 * webhook-id). If the old worker does record its result later, its claim token no longer
 * matches, so it cannot change the delivery; its attempt row shows the duplicate.
 */
export async function releaseExpiredLeases(db: DbOrTx, limit: number): Promise<DueAttempt[]> {
  const { rows } = await db.execute<{
    id: Id<'delivery'>;
    endpoint_id: Id<'endpoint'>;
    attempt_count: number;
  }>(sql`
    update deliveries d
       set status = 'pending', attempt_count = d.attempt_count - 1, lease_until = null,
           claim_token = null, next_attempt_at = now(), updated_at = now()
     where d.id in (select id from deliveries
                     where status = 'sending' and lease_until < now()
                     order by lease_until limit ${limit}
                     for update skip locked)
    returning d.id, d.endpoint_id, d.attempt_count`);
  return rows.map((row) => ({
    deliveryId: row.id,
    endpointId: row.endpoint_id,
    attempt: row.attempt_count + 1,
  }));
}

/** Where the scan of due deliveries stopped, to go on from there next time. */
export interface DueCursor {
  at: Date;
  id: Id<'delivery'>;
}

/**
 * Pending deliveries due for at least `graceMs` (long enough that the normal path, committing
 * then queueing, has had its chance), in due order after `cursor`.
 */
export async function dueDeliveries(
  db: DbOrTx,
  cursor: DueCursor | null,
  graceMs: number,
  limit: number,
): Promise<(DueAttempt & { dueAt: Date })[]> {
  const after =
    cursor === null
      ? sql`true`
      : sql`(next_attempt_at, id) > (${cursor.at.toISOString()}::timestamptz, ${cursor.id})`;
  const { rows } = await db.execute<{
    id: Id<'delivery'>;
    endpoint_id: Id<'endpoint'>;
    attempt_count: number;
    next_attempt_at: Date;
  }>(sql`
    select id, endpoint_id, attempt_count, next_attempt_at from deliveries
     where status = 'pending' and next_attempt_at <= now() - ${graceMs} * interval '1 millisecond' and ${after}
     order by next_attempt_at, id
     limit ${limit}`);
  return rows.map((row) => ({
    deliveryId: row.id,
    endpointId: row.endpoint_id,
    attempt: row.attempt_count + 1,
    dueAt: new Date(row.next_attempt_at),
  }));
}

/**
 * Running tasks (of every tenant) that have not moved for `quietMs`: their job may have been
 * lost with Redis. Each with its tenant, which the job carries.
 */
export async function quietTasks(
  db: DbOrTx,
  quietMs: number,
): Promise<{ id: Id<'task'>; tenantId: Id<'tenant'> }[]> {
  return db
    .select({ id: tasks.id, tenantId: tasks.tenantId })
    .from(tasks)
    .where(
      sql`${tasks.status} = 'running' and ${tasks.updatedAt} < now() - ${quietMs} * interval '1 millisecond'`,
    );
}
