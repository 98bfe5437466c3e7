import type { Id } from '@hookrail/ids';
import { and, eq, inArray, type SQL } from 'drizzle-orm';
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
 * delivery id (creation time), filtered by application, endpoint, event type, status and time.
 */
export async function listDeliveryLog(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  request: PageRequest & DeliveryLogFilter,
): Promise<Page<DeliveryLogRow>> {
  const page = keyset(deliveries.id, request);
  const where: (SQL | undefined)[] = [
    eq(deliveries.tenantId, tenantId),
    request.appId === undefined ? undefined : eq(deliveries.appId, request.appId),
    request.endpointId === undefined ? undefined : eq(deliveries.endpointId, request.endpointId),
    request.statuses?.length ? inArray(deliveries.status, request.statuses) : undefined,
    request.eventTypes?.length ? inArray(messages.eventType, request.eventTypes) : undefined,
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
