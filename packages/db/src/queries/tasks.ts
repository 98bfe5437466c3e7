import { idFloor, newId, type Id } from '@hookrail/ids';
import { and, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import {
  deliveries,
  messages,
  tasks,
  type TaskKind,
  type TaskRow,
  type TaskStatus,
} from '../schema/index.ts';
import { notDeletedApplication } from './deletion.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';

export interface RetryScope {
  tenantId: Id<'tenant'>;
  appId?: Id<'application'> | undefined;
  endpointId?: Id<'endpoint'> | undefined;
  since: Date;
  until?: Date | undefined;
  eventTypes?: string[] | undefined;
}

/**
 * Deliveries a retry task re-sends: failed for good (their schedule used up, or refused
 * while their endpoint was disabled), in scope, created within the window. A delivery
 * re-queued by another task is `pending` again and no longer matches, so two tasks over
 * the same window never queue one delivery twice.
 */
function retryable(scope: RetryScope): SQL | undefined {
  return and(
    eq(deliveries.tenantId, scope.tenantId),
    eq(deliveries.status, 'failed'),
    // A tenant-wide task leaves deleted applications alone (their deliveries await the purge).
    scope.appId === undefined
      ? notDeletedApplication(deliveries.appId, scope.tenantId)
      : eq(deliveries.appId, scope.appId),
    scope.endpointId === undefined ? undefined : eq(deliveries.endpointId, scope.endpointId),
    sql`${deliveries.id} >= ${idFloor('delivery', scope.since)}`,
    scope.until === undefined ? undefined : lt(deliveries.id, idFloor('delivery', scope.until)),
    scope.eventTypes?.length
      ? inArray(
          deliveries.messageId,
          sql`(select ${messages.id} from ${messages} where ${messages.tenantId} = ${scope.tenantId}
                and ${inArray(messages.eventType, scope.eventTypes)})`,
        )
      : undefined,
  );
}

/** How many deliveries a retry over `scope` would re-send now. */
export async function countRetryable(db: DbOrTx, scope: RetryScope): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(deliveries)
    .where(retryable(scope));
  return row?.n ?? 0;
}

export async function createTask(
  db: DbOrTx,
  kind: TaskRow['kind'],
  scope: RetryScope,
  total: number,
  /** The work was done in the request that created the task (replay-missing). */
  done = false,
): Promise<TaskRow> {
  const [task] = await db
    .insert(tasks)
    .values({
      ...(done && { status: 'finished' as const, queued: total }),
      id: newId('task'),
      kind,
      tenantId: scope.tenantId,
      appId: scope.appId ?? null,
      endpointId: scope.endpointId ?? null,
      since: scope.since,
      until: scope.until ?? null,
      eventTypes: scope.eventTypes ?? null,
      total,
    })
    .returning();
  if (!task) throw new Error('insert returned no task row');
  return task;
}

export async function getTask(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  id: Id<'task'>,
): Promise<TaskRow | undefined> {
  const [row] = await db
    .select()
    .from(tasks)
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, id)));
  return row;
}

/** The tasks named, each read under its own tenant; those not found are left out. */
export async function getTasks(
  db: DbOrTx,
  refs: readonly { tenantId: Id<'tenant'>; id: Id<'task'> }[],
): Promise<TaskRow[]> {
  if (refs.length === 0) return [];
  return db
    .select()
    .from(tasks)
    .where(or(...refs.map((ref) => and(eq(tasks.tenantId, ref.tenantId), eq(tasks.id, ref.id)))));
}

export async function listTasks(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  request: PageRequest & {
    kinds?: TaskKind[] | undefined;
    statuses?: TaskStatus[] | undefined;
    /** Only the tasks over this application (or one of its endpoints). */
    appId?: Id<'application'> | undefined;
  },
): Promise<Page<TaskRow>> {
  const page = keyset(tasks.id, request);
  const rows = await db
    .select()
    .from(tasks)
    .where(
      and(
        eq(tasks.tenantId, tenantId),
        request.appId === undefined ? undefined : eq(tasks.appId, request.appId),
        request.kinds === undefined ? undefined : inArray(tasks.kind, request.kinds),
        request.statuses === undefined ? undefined : inArray(tasks.status, request.statuses),
        page.where,
      ),
    )
    .orderBy(page.orderBy)
    .limit(page.limit);
  return page.page(rows, (row) => row.id);
}

/** Stops a running task; it queues nothing more. Undefined when there is no such task. */
export async function cancelTask(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  id: Id<'task'>,
): Promise<TaskRow | undefined> {
  await db
    .update(tasks)
    .set({ status: 'canceled', updatedAt: sql`now()` })
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, id), eq(tasks.status, 'running')));
  return getTask(db, tenantId, id);
}

export interface Requeued {
  id: Id<'delivery'>;
  endpointId: Id<'endpoint'>;
  /** The attempt number to queue. */
  attempt: number;
}

export type RequeueStep =
  /** The task is no longer running (canceled, or over already): `task` as it is, if it exists. */
  | { stopped: true; task: TaskRow | undefined }
  /** The deliveries to queue (none: the task is done), and the task with them counted. */
  | { stopped: false; deliveries: Requeued[]; task: TaskRow };

/**
 * The runner's step: while the tenant's task is still running, flips up to `limit` retryable
 * deliveries after `afterId` back to pending (as manual attempts, made once, owed to this
 * task: see `deliveries.retry_task_id`) and counts them, in one transaction. Returns the
 * deliveries to queue, or `stopped` when the task was canceled (or is not the tenant's).
 */
export async function requeueBatch(
  db: Db,
  tenantId: Id<'tenant'>,
  taskId: Id<'task'>,
  afterId: Id<'delivery'> | null,
  limit: number,
): Promise<RequeueStep> {
  return db.transaction(async (tx): Promise<RequeueStep> => {
    // Locks the task row: a cancel waits for this batch, and no batch starts after it.
    const [task] = await tx
      .select()
      .from(tasks)
      .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, taskId)))
      .for('update');
    if (task?.status !== 'running') return { stopped: true, task };
    const scope: RetryScope = {
      tenantId: task.tenantId,
      appId: task.appId ?? undefined,
      endpointId: task.endpointId ?? undefined,
      since: task.since,
      until: task.until ?? undefined,
      eventTypes: task.eventTypes ?? undefined,
    };
    const batch = await tx
      .select({ id: deliveries.id })
      .from(deliveries)
      .where(and(retryable(scope), afterId === null ? undefined : gt(deliveries.id, afterId)))
      .orderBy(deliveries.id)
      .limit(limit)
      .for('update', { skipLocked: true });
    if (batch.length === 0) return { stopped: false, deliveries: [], task };
    const requeued = await tx
      .update(deliveries)
      .set({
        status: 'pending',
        manual: true,
        nextAttemptAt: sql`now()`,
        retryTaskId: taskId,
        updatedAt: sql`now()`,
      })
      .where(
        and(
          inArray(
            deliveries.id,
            batch.map((d) => d.id),
          ),
          eq(deliveries.status, 'failed'),
        ),
      )
      .returning({
        id: deliveries.id,
        endpointId: deliveries.endpointId,
        attemptCount: deliveries.attemptCount,
      });
    const [counted] = await tx
      .update(tasks)
      .set({ queued: sql`${tasks.queued} + ${requeued.length}`, updatedAt: sql`now()` })
      .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, taskId)))
      .returning();
    return {
      stopped: false,
      task: counted ?? task,
      deliveries: requeued
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map((d) => ({ id: d.id, endpointId: d.endpointId, attempt: d.attemptCount + 1 })),
    };
  });
}

/**
 * Marks the tenant's task finished (or failed, with a reason) unless it was canceled
 * meanwhile. Returns the task when this changed it.
 */
export async function finishTask(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  taskId: Id<'task'>,
  error?: string,
): Promise<TaskRow | undefined> {
  const [task] = await db
    .update(tasks)
    .set({
      status: error === undefined ? 'finished' : 'failed',
      error: error ?? null,
      updatedAt: sql`now()`,
    })
    .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, taskId), eq(tasks.status, 'running')))
    .returning();
  return task;
}

/** What the worker recorded of one task's re-queued deliveries in one batch of results. */
export interface TaskOutcomes {
  /** The tenant of the deliveries: a task of another tenant is left alone. */
  tenantId: Id<'tenant'>;
  taskId: Id<'task'>;
  delivered: number;
  failedAgain: number;
}

/**
 * Adds outcomes to their tasks' counters, as part of the transaction that records them (and
 * clears the deliveries' `retry_task_id`), so each outcome counts once: a crash before commit
 * counts nothing, and the delivery is sent and counted again. Returns the tasks as they are now.
 */
export async function countTaskOutcomes(
  tx: DbOrTx,
  outcomes: readonly TaskOutcomes[],
): Promise<TaskRow[]> {
  // One statement a task: a batch of results rarely holds more than one task's deliveries.
  // In id order, so that two workers counting for the same tasks lock them in the same order.
  const counted: TaskRow[] = [];
  for (const o of [...outcomes].sort((a, b) => (a.taskId < b.taskId ? -1 : 1))) {
    const [task] = await tx
      .update(tasks)
      .set({
        delivered: sql`${tasks.delivered} + ${o.delivered}`,
        failedAgain: sql`${tasks.failedAgain} + ${o.failedAgain}`,
      })
      .where(and(eq(tasks.tenantId, o.tenantId), eq(tasks.id, o.taskId)))
      .returning();
    if (task) counted.push(task);
  }
  return counted;
}

/**
 * Counts, as part of the transaction that canceled them (their endpoint deleted, their message
 * expunged), the deliveries a retry task had re-queued and not yet seen end: they end here,
 * not delivered. Their mark stays (a canceled delivery is never claimed, and only a resend,
 * which clears the mark, makes it pending again), so none is counted twice.
 */
export async function countCanceledRetries(
  tx: DbOrTx,
  canceled: readonly { tenantId: Id<'tenant'>; retryTaskId: Id<'task'> | null }[],
): Promise<TaskRow[]> {
  const byTask = new Map<Id<'task'>, TaskOutcomes>();
  for (const { tenantId, retryTaskId: taskId } of canceled) {
    if (taskId === null) continue;
    const counts = byTask.get(taskId) ?? { tenantId, taskId, delivered: 0, failedAgain: 0 };
    counts.failedAgain += 1;
    byTask.set(taskId, counts);
  }
  return countTaskOutcomes(tx, [...byTask.values()]);
}
