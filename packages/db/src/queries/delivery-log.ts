import type { Id } from '@hookrail/ids';
import { and, arrayContains, eq, inArray, isNull, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import {
  applications,
  deliveries,
  endpoints,
  messages,
  type DeliveryRow,
  type DeliveryStatus,
} from '../schema/index.ts';
import { idTimeBounds } from './messages.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';

export interface DeliveryLogFilter {
  appId?: Id<'application'> | undefined;
  endpointId?: Id<'endpoint'> | undefined;
  eventTypes?: string[] | undefined;
  statuses?: DeliveryStatus[] | undefined;
  /** Only deliveries created after this time (a message's deliveries are created with it). */
  after?: Date | undefined;
  /** Only deliveries created before this time. */
  before?: Date | undefined;
  /** Only the deliveries of this message. */
  messageId?: Id<'message'> | undefined;
  /** Only the deliveries of the message with this eventId (one per application). */
  eventId?: string | undefined;
  /** Only the deliveries of messages with this tag. */
  tag?: string | undefined;
}

/**
 * The ids of the tenant's messages with this eventId. eventIds are unique per application, so
 * the lookup goes through the tenant's applications and the (app_id, event_id) index.
 */
function messagesWithEventId(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  eventId: string,
  appId: Id<'application'> | undefined,
) {
  return db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.eventId, eventId),
        eq(messages.tenantId, tenantId),
        appId !== undefined
          ? eq(messages.appId, appId)
          : inArray(
              messages.appId,
              db
                .select({ id: applications.id })
                .from(applications)
                .where(eq(applications.tenantId, tenantId)),
            ),
      ),
    );
}

/** A delivery with what a log line shows of its message, application and endpoint. */
export interface DeliveryLogRow {
  delivery: DeliveryRow;
  eventType: string;
  eventId: string | null;
  appUid: string | null;
  appName: string;
  endpointUrl: string;
}

/**
 * The tenant's deliveries across applications, for the delivery log: keyset-paged on the
 * delivery id (creation time), filtered by application, endpoint, event type, status and time,
 * and found by message id, eventId or tag.
 */
export async function listDeliveryLog(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  request: PageRequest & DeliveryLogFilter,
): Promise<Page<DeliveryLogRow>> {
  const page = keyset(deliveries.id, request);
  const where: (SQL | undefined)[] = [
    eq(deliveries.tenantId, tenantId),
    // A deleted application's deliveries are gone from the log at once, before their purge.
    isNull(applications.deletedAt),
    request.appId === undefined ? undefined : eq(deliveries.appId, request.appId),
    request.endpointId === undefined ? undefined : eq(deliveries.endpointId, request.endpointId),
    request.statuses?.length ? inArray(deliveries.status, request.statuses) : undefined,
    request.eventTypes?.length ? inArray(messages.eventType, request.eventTypes) : undefined,
    request.messageId === undefined ? undefined : eq(deliveries.messageId, request.messageId),
    request.eventId === undefined
      ? undefined
      : inArray(
          deliveries.messageId,
          messagesWithEventId(db, tenantId, request.eventId, request.appId),
        ),
    // Tags have no index: a tag search walks the log newest first, as far as a page needs
    // (bounded by the time filters when given).
    request.tag === undefined ? undefined : arrayContains(messages.tags, [request.tag]),
    ...idTimeBounds(deliveries.id, 'delivery', request),
    page.where,
  ];
  const rows = await db
    .select({
      delivery: deliveries,
      eventType: messages.eventType,
      eventId: messages.eventId,
      appUid: applications.uid,
      appName: applications.name,
      endpointUrl: endpoints.url,
    })
    .from(deliveries)
    .innerJoin(messages, eq(messages.id, deliveries.messageId))
    .innerJoin(applications, eq(applications.id, deliveries.appId))
    .innerJoin(endpoints, eq(endpoints.id, deliveries.endpointId))
    .where(and(...where))
    .orderBy(page.orderBy)
    .limit(page.limit);
  return page.page(rows, (row) => row.delivery.id);
}
