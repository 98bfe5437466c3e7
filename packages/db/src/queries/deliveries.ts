import { idFloor, newId, type Id } from '@hookrail/ids';
import { and, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import {
  deliveries,
  endpoints,
  messages,
  type DeliveryRow,
  type DeliveryStatus,
  type EndpointRow,
  type TaskRow,
} from '../schema/index.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';
import { countCanceledRetries } from './tasks.ts';

/** A delivery a bulk cancellation just canceled: what its `delivery.canceled` event names. */
export interface CanceledDelivery {
  id: Id<'delivery'>;
  tenantId: Id<'tenant'>;
  appId: Id<'application'>;
  messageId: Id<'message'>;
  endpointId: Id<'endpoint'>;
  eventType: string;
}

/** What a bulk cancellation did. */
export interface Cancellation {
  /** The deliveries it canceled, for their `delivery.canceled` events. */
  canceled: CanceledDelivery[];
  /** The retry tasks whose counts it changed, as they are now, for their `task.progress`. */
  tasks: TaskRow[];
}

/**
 * Cancels the deliveries matching `where` that are in one of `statuses`, in one statement, and
 * returns them (with their message's event type) for their `delivery.canceled` events. A
 * delivery being sent right now finishes its request, but its result no longer changes it.
 * Those a retry task had re-queued count on the task as not delivered (`failed_again`), in
 * the caller's transaction; the tasks so changed are returned with them.
 */
export async function cancelDeliveriesWhere(
  db: DbOrTx,
  where: SQL | undefined,
  statuses: readonly DeliveryStatus[] = ['pending', 'sending'],
): Promise<Cancellation> {
  const canceled = await db
    .update(deliveries)
    .set({ status: 'canceled', nextAttemptAt: null, leaseUntil: null, updatedAt: sql`now()` })
    .from(messages)
    .where(
      and(where, inArray(deliveries.status, [...statuses]), eq(messages.id, deliveries.messageId)),
    )
    .returning({
      id: deliveries.id,
      tenantId: deliveries.tenantId,
      appId: deliveries.appId,
      messageId: deliveries.messageId,
      endpointId: deliveries.endpointId,
      eventType: messages.eventType,
      retryTaskId: deliveries.retryTaskId,
    });
  // Those a retry task had re-queued (and not yet seen end) count on it as not delivered.
  const tasks = await countCanceledRetries(db, canceled);
  return { canceled: canceled.map(({ retryTaskId: _, ...delivery }) => delivery), tasks };
}

/** Cancels what an endpoint still had to send; called in the transaction that deletes it. */
export async function cancelEndpointDeliveries(
  db: DbOrTx,
  endpointId: Id<'endpoint'>,
): Promise<Cancellation> {
  return cancelDeliveriesWhere(db, eq(deliveries.endpointId, endpointId));
}

export type Resend =
  /** Queued: make attempt `attempt` of the delivery. */
  | { queued: true; deliveryId: Id<'delivery'>; attempt: number }
  /** The delivery is already pending or being sent; nothing more to do. */
  | { queued: false };

/**
 * Sends a message to an endpoint once more, by hand: a final delivery goes back to pending as
 * a manual attempt (made once, not retried); a message the endpoint never had gets a new
 * delivery. One statement each, so concurrent resends queue one attempt.
 */
export async function resendDelivery(
  db: DbOrTx,
  target: {
    tenantId: Id<'tenant'>;
    appId: Id<'application'>;
    messageId: Id<'message'>;
    endpointId: Id<'endpoint'>;
  },
): Promise<Resend> {
  const [inserted] = await db
    .insert(deliveries)
    .values({ id: newId('delivery'), ...target, manual: true, nextAttemptAt: sql`now()` })
    .onConflictDoNothing({ target: [deliveries.messageId, deliveries.endpointId] })
    .returning({ id: deliveries.id });
  if (inserted) return { queued: true, deliveryId: inserted.id, attempt: 1 };
  const [updated] = await db
    .update(deliveries)
    // A resend is a person's, not a retry task's: its outcome counts on no task.
    .set({
      status: 'pending',
      manual: true,
      nextAttemptAt: sql`now()`,
      retryTaskId: null,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(deliveries.tenantId, target.tenantId),
        eq(deliveries.messageId, target.messageId),
        eq(deliveries.endpointId, target.endpointId),
        inArray(deliveries.status, ['succeeded', 'failed', 'canceled']),
      ),
    )
    .returning({ id: deliveries.id, attemptCount: deliveries.attemptCount });
  return updated
    ? { queued: true, deliveryId: updated.id, attempt: updated.attemptCount + 1 }
    : { queued: false };
}

export type EndpointStats = Record<DeliveryStatus, number>;

/** How many of the endpoint's deliveries created in the window are in each status. */
export async function endpointStats(
  db: DbOrTx,
  scope: { tenantId: Id<'tenant'>; endpointId: Id<'endpoint'> },
  window: { since?: Date | undefined; until?: Date | undefined },
): Promise<EndpointStats> {
  const rows = await db
    .select({ status: deliveries.status, n: sql<number>`count(*)::int` })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.tenantId, scope.tenantId),
        eq(deliveries.endpointId, scope.endpointId),
        window.since && gte(deliveries.id, idFloor('delivery', window.since)),
        window.until && lt(deliveries.id, idFloor('delivery', window.until)),
      ),
    )
    .groupBy(deliveries.status);
  const stats: EndpointStats = { pending: 0, sending: 0, succeeded: 0, failed: 0, canceled: 0 };
  for (const row of rows) stats[row.status] = row.n;
  return stats;
}

export interface Destination {
  delivery: DeliveryRow;
  endpoint: EndpointRow;
}

/** A message's deliveries with their endpoints, ordered by endpoint id (Svix's destinations). */
export async function listDestinations(
  db: DbOrTx,
  scope: { tenantId: Id<'tenant'>; messageId: Id<'message'> },
  request: PageRequest,
): Promise<Page<Destination>> {
  const page = keyset(deliveries.endpointId, request);
  const rows = await db
    .select({ delivery: deliveries, endpoint: endpoints })
    .from(deliveries)
    .innerJoin(endpoints, eq(endpoints.id, deliveries.endpointId))
    .where(
      and(
        eq(deliveries.tenantId, scope.tenantId),
        eq(deliveries.messageId, scope.messageId),
        page.where,
      ),
    )
    .orderBy(page.orderBy)
    .limit(page.limit);
  return page.page(rows, (row) => row.endpoint.id);
}

export type { DeliveryStatus };
