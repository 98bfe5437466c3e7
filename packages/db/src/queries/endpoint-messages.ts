import { newId, type Id } from '@hookrail/ids';
import {
  and,
  arrayContains,
  arrayOverlaps,
  eq,
  inArray,
  isNull,
  notExists,
  or,
  sql,
} from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import {
  deliveries,
  messages,
  type DeliveryRow,
  type DeliveryStatus,
  type EndpointRow,
  type MessageRow,
} from '../schema/index.ts';
import { idTimeBounds, type MessageFilter, type NewDelivery } from './messages.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';

export interface EndpointMessage {
  message: MessageRow;
  delivery: DeliveryRow;
}

/**
 * The messages an endpoint was sent (or is to be sent), newest first, each with its delivery:
 * Svix's "attempted messages" of an endpoint.
 */
export async function listEndpointMessages(
  db: DbOrTx,
  scope: { tenantId: Id<'tenant'>; endpointId: Id<'endpoint'> },
  request: PageRequest & MessageFilter & { statuses?: DeliveryStatus[] | undefined },
): Promise<Page<EndpointMessage>> {
  const page = keyset(deliveries.messageId, request);
  const rows = await db
    .select({ message: messages, delivery: deliveries })
    .from(deliveries)
    .innerJoin(messages, eq(messages.id, deliveries.messageId))
    .where(
      and(
        eq(deliveries.tenantId, scope.tenantId),
        eq(deliveries.endpointId, scope.endpointId),
        request.statuses === undefined ? undefined : inArray(deliveries.status, request.statuses),
        request.eventTypes?.length ? inArray(messages.eventType, request.eventTypes) : undefined,
        request.channel === undefined
          ? undefined
          : arrayContains(messages.channels, [request.channel]),
        ...idTimeBounds(deliveries.messageId, 'message', request),
        page.where,
      ),
    )
    .orderBy(page.orderBy)
    .limit(page.limit);
  return page.page(rows, (row) => row.message.id);
}

/** At most this many messages are replayed by one call; calling again continues. */
export const replayLimit = 10_000;

/**
 * Svix's replay-missing: gives the endpoint a delivery of every message of its application
 * in the window that it would receive (by its filter and channels) but never got. Messages it
 * already has a delivery for, whatever that delivery's state, are left alone, and so are
 * expunged ones. Returns the new deliveries, to be queued.
 */
export async function replayMissing(
  db: Db,
  endpoint: EndpointRow,
  window: { since: Date; until?: Date | undefined },
): Promise<NewDelivery[]> {
  return db.transaction(async (tx) => {
    const missing = await tx
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.tenantId, endpoint.tenantId),
          eq(messages.appId, endpoint.appId),
          isNull(messages.expungedAt),
          endpoint.filterTypes === null
            ? undefined
            : inArray(messages.eventType, endpoint.filterTypes),
          endpoint.channels === null
            ? isNull(messages.channels)
            : or(isNull(messages.channels), arrayOverlaps(messages.channels, endpoint.channels)),
          ...idTimeBounds(messages.id, 'message', {
            after: new Date(window.since.getTime() - 1),
            before: window.until,
          }),
          notExists(
            tx
              .select({ one: sql`1` })
              .from(deliveries)
              .where(
                and(eq(deliveries.messageId, messages.id), eq(deliveries.endpointId, endpoint.id)),
              ),
          ),
        ),
      )
      .orderBy(messages.id)
      .limit(replayLimit);
    if (missing.length === 0) return [];
    const rows = missing.map((m) => ({
      id: newId('delivery'),
      tenantId: endpoint.tenantId,
      appId: endpoint.appId,
      messageId: m.id,
      endpointId: endpoint.id,
      nextAttemptAt: sql`now()`,
    }));
    const inserted = await tx
      .insert(deliveries)
      .values(rows)
      .onConflictDoNothing({ target: [deliveries.messageId, deliveries.endpointId] })
      .returning({ id: deliveries.id, endpointId: deliveries.endpointId });
    return inserted;
  });
}
