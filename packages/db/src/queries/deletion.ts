import type { Id } from '@hookrail/ids';
import { and, eq, isNotNull, isNull, sql, type Column, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import { applications, endpoints, tasks, tenants, type TaskRow } from '../schema/index.ts';
import type { CanceledDelivery } from './deliveries.ts';
import { getTasks } from './tasks.ts';

/**
 * Deleting a tenant or an application is two steps. Marking (`markApplicationDeleted`,
 * `markTenantDeleted`) is one short statement on one row, answered at once: from its commit
 * every read treats the row as gone (lookups, lists, API keys, tokens, the delivery log,
 * ingest) and a claim cancels its deliveries instead of sending them. Purging
 * (`purgeDeletedBatch`) then deletes its rows in batches, each one statement over a LIMIT,
 * from the largest tables down to the marked row itself, which goes last. The work left is
 * read from the rows each time (nothing is remembered between batches), so a crash loses
 * at most the batch in flight and any worker can go on where another stopped.
 */

/**
 * Marks the application deleted and frees its uid (a new application may take it at once),
 * and cancels its running retry tasks (over it or one of its endpoints) in the same statement:
 * their deliveries would only be canceled by the claim. Returns the tasks it canceled, as they
 * are now (read by a second statement when there are any), for their `task.progress`;
 * undefined when the tenant has no such application, or it is deleted already.
 */
export async function markApplicationDeleted(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  id: Id<'application'>,
): Promise<TaskRow[] | undefined> {
  const marked = await db.execute<{ id: Id<'application'> | null; stopped: Id<'task'>[] }>(sql`
    with marked as (
      update ${applications}
         set deleted_at = now(), updated_at = now(), uid = null
       where ${and(
         eq(applications.tenantId, tenantId),
         eq(applications.id, id),
         eq(applications.system, false),
         isNull(applications.deletedAt),
       )}
      returning ${applications.id} as id
    ),
    stopped as (
      update ${tasks}
         set status = 'canceled', updated_at = now()
       where ${tasks.tenantId} = ${tenantId} and ${tasks.status} = 'running'
         and exists (select 1 from marked)
         and (${tasks.appId} = ${id}
              or ${tasks.endpointId} in (select ${endpoints.id} from ${endpoints}
                                          where ${endpoints.tenantId} = ${tenantId}
                                            and ${endpoints.appId} = ${id}))
      returning ${tasks.id} as id
    )
    select (select id from marked) as id, array(select id from stopped) as stopped`);
  const [row] = marked.rows;
  if (row === undefined || row.id === null) return undefined;
  return getTasks(
    db,
    row.stopped.map((task) => ({ tenantId, id: task })),
  );
}

/**
 * Marks the tenant deleted, and cancels its running retry tasks in the same statement. False
 * when there is no such tenant, or it is deleted already.
 */
export async function markTenantDeleted(db: DbOrTx, id: Id<'tenant'>): Promise<boolean> {
  const marked = await db.execute<{ id: Id<'tenant'> }>(sql`
    with marked as (
      update ${tenants}
         set deleted_at = now(), updated_at = now()
       where ${and(eq(tenants.id, id), isNull(tenants.deletedAt))}
      returning ${tenants.id} as id
    ),
    stopped as (
      update ${tasks}
         set status = 'canceled', updated_at = now()
       where ${tasks.tenantId} = ${id} and ${tasks.status} = 'running'
         and exists (select 1 from marked)
    )
    select id from marked`);
  return marked.rows.length > 0;
}

/**
 * `column` (an application id) is not one of the tenant's applications marked deleted and not
 * purged yet (a handful at most, a hashed list): for reads across the tenant's applications
 * that do not join them.
 */
export function notDeletedApplication(column: Column, tenantId: Id<'tenant'>): SQL {
  return sql`${column} not in (select ${applications.id} from ${applications}
    where ${applications.tenantId} = ${tenantId} and ${applications.deletedAt} is not null)`;
}

/** Something marked deleted whose rows are still to be purged. */
export type DeletedTarget =
  | { kind: 'application'; id: Id<'application'>; tenantId: Id<'tenant'> }
  | { kind: 'tenant'; id: Id<'tenant'> };

/**
 * What is marked deleted and not purged yet, longest deleted first: applications (those of a
 * deleted tenant are purged with it), then tenants.
 */
export async function deletedTargets(db: DbOrTx, limit: number): Promise<DeletedTarget[]> {
  const apps = await db
    .select({ id: applications.id, tenantId: applications.tenantId })
    .from(applications)
    .innerJoin(tenants, eq(tenants.id, applications.tenantId))
    .where(and(isNotNull(applications.deletedAt), isNull(tenants.deletedAt)))
    .orderBy(applications.deletedAt)
    .limit(limit);
  const gone = await db
    .select({ id: tenants.id })
    .from(tenants)
    .where(isNotNull(tenants.deletedAt))
    .orderBy(tenants.deletedAt)
    .limit(limit);
  return [
    ...apps.map((app) => ({ kind: 'application' as const, ...app })),
    ...gone.map((tenant) => ({ kind: 'tenant' as const, id: tenant.id })),
  ];
}

/** What one call of `purgeDeletedBatch` did. */
export type PurgeBatch =
  /**
   * Rows of `table` deleted (with what cascades from them); call again for more. `canceled`:
   * the deliveries of a deleted application that were still pending and went with their
   * messages, for their `delivery.canceled` events (none for a deleted tenant, whose stream
   * nobody may read any more).
   */
  | { state: 'purged'; table: string; rows: number; canceled?: CanceledDelivery[] }
  /**
   * Only messages with a delivery being sent right now are left (their attempt's result is
   * still to be recorded); try again later. A claim whose worker died is released by the
   * reconciler, after which the message can go.
   */
  | { state: 'waiting' }
  /** Nothing is left: the marked row itself is deleted (or was already). */
  | { state: 'finished' };

interface Step {
  table: string;
  /** Deletes at most `batch` rows; returns how many it deleted. */
  run(db: Db, batch: number): Promise<number>;
}

async function deleted(db: Db, statement: SQL): Promise<number> {
  const result = await db.execute(statement);
  return result.rowCount ?? 0;
}

/**
 * An application's messages go first, with their deliveries, attempts (found through
 * `attempts_delivery_idx` in each partition) and payload expiries by cascade, `batch` messages
 * at a time in id order over `messages_app_id_idx`. A message with a delivery being sent stays
 * until its result is recorded: deleting the delivery under the worker would fail that write.
 * Rows another transaction holds are skipped, not waited for. Returns how many messages went,
 * and the deliveries still pending among theirs (none claimed them to cancel them: a retry
 * not yet due), read in the same statement, before the cascade, when `canceled` is asked for.
 */
async function deleteMessages(
  db: Db,
  appId: Id<'application'>,
  batch: number,
  canceled: boolean,
): Promise<{ rows: number; canceled: CanceledDelivery[] }> {
  const result = await db.execute<{ rows: number; canceled: CanceledDelivery[] }>(
    sql`with gone as (
          delete from messages where id in (
            select m.id from messages m
             where m.app_id = ${appId}
               and not exists (select 1 from deliveries d
                                where d.message_id = m.id and d.status = 'sending')
             order by m.id limit ${batch}
               for update skip locked)
          returning id, event_type)
        select (select count(*)::int from gone) as rows,
               coalesce((select json_agg(json_build_object(
                           'id', d.id, 'tenantId', d.tenant_id, 'appId', d.app_id,
                           'messageId', d.message_id, 'endpointId', d.endpoint_id,
                           'eventType', g.event_type) order by d.id)
                           from gone g join deliveries d on d.message_id = g.id
                          where ${canceled}::boolean and d.status = 'pending'), '[]') as canceled`,
  );
  return result.rows[0] ?? { rows: 0, canceled: [] };
}

/**
 * What is left of an application once its messages are gone: its endpoints (with their
 * secrets), then the idempotency records of its portal tokens (their scope) and its tasks.
 * Endpoints only after the messages, since deleting one deletes its deliveries.
 */
function applicationSteps(appId: Id<'application'>, tenantId: Id<'tenant'>): Step[] {
  return [
    {
      table: 'endpoints',
      run: (db, batch) =>
        deleted(
          db,
          sql`delete from endpoints where id in (
                select id from endpoints where app_id = ${appId}
                 order by app_id, id limit ${batch} for update skip locked)`,
        ),
    },
    {
      table: 'idempotency_keys',
      run: (db, batch) =>
        deleted(
          db,
          sql`delete from idempotency_keys where (tenant_id, scope, key) in (
                select tenant_id, scope, key from idempotency_keys
                 where tenant_id = ${tenantId} and scope = ${appId} limit ${batch})`,
        ),
    },
    {
      table: 'tasks',
      run: (db, batch) =>
        deleted(
          db,
          sql`delete from tasks where id in (
                select id from tasks where tenant_id = ${tenantId} and app_id = ${appId}
                 limit ${batch})`,
        ),
    },
  ];
}

async function hasMessages(db: Db, appId: Id<'application'>): Promise<boolean> {
  const { rows } = await db.execute<{ some: boolean }>(
    sql`select exists (select 1 from messages where app_id = ${appId}) as some`,
  );
  return rows[0]?.some === true;
}

/** The steps that empty a tenant once its applications are gone. */
function tenantSteps(tenantId: Id<'tenant'>): Step[] {
  return ['api_keys', 'event_types', 'idempotency_keys', 'tasks'].map((table) => ({
    table,
    run: (db, batch) =>
      deleted(
        db,
        sql`delete from ${sql.identifier(table)} where ctid in (
              select ctid from ${sql.identifier(table)} where tenant_id = ${tenantId}
               limit ${batch})`,
      ),
  }));
}

/** Runs the first step that still has rows; undefined when none has. */
async function firstStep(db: Db, steps: Step[], batch: number): Promise<PurgeBatch | undefined> {
  for (const step of steps) {
    const rows = await step.run(db, batch);
    if (rows > 0) return { state: 'purged', table: step.table, rows };
  }
  return undefined;
}

async function purgeApplication(
  db: Db,
  appId: Id<'application'>,
  tenantId: Id<'tenant'>,
  batch: number,
  /** The application itself was deleted (not its tenant): report what its purge cancels. */
  own: boolean,
): Promise<PurgeBatch> {
  const messages = await deleteMessages(db, appId, batch, own);
  if (messages.rows > 0) {
    const purged = { state: 'purged', table: 'messages', rows: messages.rows } as const;
    return messages.canceled.length > 0 ? { ...purged, canceled: messages.canceled } : purged;
  }
  if (await hasMessages(db, appId)) return { state: 'waiting' };
  const step = await firstStep(db, applicationSteps(appId, tenantId), batch);
  if (step !== undefined) return step;
  // The row last, with what cascades from it: portal token revocations, and a message ingest
  // wrote in the moment before the mark was seen. Only a marked application, or one of a
  // marked tenant.
  await db.execute(sql`
    delete from applications a
     where a.id = ${appId}
       and (a.deleted_at is not null
            or exists (select 1 from tenants t where t.id = a.tenant_id and t.deleted_at is not null))`);
  return { state: 'finished' };
}

async function purgeTenant(db: Db, tenantId: Id<'tenant'>, batch: number): Promise<PurgeBatch> {
  // Its applications one after the other (the operational-webhook one included), each
  // emptied and deleted as if it had been deleted itself.
  const [app] = await db
    .select({ id: applications.id })
    .from(applications)
    .where(eq(applications.tenantId, tenantId))
    .orderBy(applications.tenantId, applications.id)
    .limit(1);
  if (app !== undefined) {
    const step = await purgeApplication(db, app.id, tenantId, batch, false);
    // The application row is gone: report it as a batch, so the caller comes back for more.
    return step.state === 'finished' ? { state: 'purged', table: 'applications', rows: 1 } : step;
  }
  const step = await firstStep(db, tenantSteps(tenantId), batch);
  if (step !== undefined) return step;
  // What is left cascades in one short statement: portal revocations, payload expiries and
  // the like, all of them already emptied with the applications.
  await db.execute(sql`delete from tenants where id = ${tenantId} and deleted_at is not null`);
  return { state: 'finished' };
}

/**
 * One batch of the purge of something marked deleted: deletes at most `batch` rows of the
 * first table that still has some (plus what cascades from them), each batch its own short
 * statement, and says what it did. Call it again until it answers `finished` (or `waiting`:
 * later). Safe to run in several workers at once (rows held by another are skipped), though
 * the housekeeping runs it in one at a time.
 */
export async function purgeDeletedBatch(
  db: Db,
  target: DeletedTarget,
  batch: number,
): Promise<PurgeBatch> {
  return target.kind === 'application'
    ? purgeApplication(db, target.id, target.tenantId, batch, true)
    : purgeTenant(db, target.id, batch);
}
