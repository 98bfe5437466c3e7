import { idFloor, isId, newId, type Id } from '@hookrail/ids';
import { and, arrayContains, eq, gte, inArray, lt, sql, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../client.ts';
import {
  deliveries,
  endpoints,
  messages,
  payloadExpiries,
  type MessageRow,
} from '../schema/index.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';
import { receivesSql } from './receives.ts';

export interface NewMessage {
  tenantId: Id<'tenant'>;
  appId: Id<'application'>;
  eventType: string;
  eventId: string | null;
  channels: string[] | null;
  tags: string[] | null;
  /** The JSON text to sign and send, byte for byte. */
  payload: string;
  /** Send no sooner than this; null sends at once. */
  deliverAt: Date | null;
  /**
   * Keep the payload this many hours (from the message's creation) instead of the
   * installation's retention (`HOOKRAIL_RETENTION_DAYS`); absent or null follows it.
   */
  payloadRetentionHours?: number | null;
  /**
   * When the message was made; now when absent. An earlier time writes history as it was
   * (the retention tests write old messages this way).
   */
  at?: Date;
}

/** A delivery created with a message: what the queue needs to schedule its first attempt. */
export interface NewDelivery {
  id: Id<'delivery'>;
  endpointId: Id<'endpoint'>;
}

export type MessageCreate =
  | { ok: true; message: MessageRow; deliveries: NewDelivery[] }
  /** The application already has a message with this eventId (409). */
  | { ok: false; reason: 'duplicate_event_id' }
  /** The application or its tenant was deleted after it was looked up (404). */
  | { ok: false; reason: 'application_deleted' };

/**
/** Whether a message of this type and these channels would reach any endpoint now. */
export async function hasReceivers(
  db: DbOrTx,
  appId: Id<'application'>,
  eventType: string,
  channels: string[] | null,
): Promise<boolean> {
  const [row] = await db
    .select({ id: endpoints.id })
    .from(endpoints)
    .where(receivesSql(sql`${appId}`, sql`${eventType}`, sql`${channels}::text[]`))
    .limit(1);
  return row !== undefined;
}

/**
 * Inserts the message and one pending delivery per receiving endpoint (or only `only`), as
 * part of the caller's transaction.
 */
export async function insertMessage(
  tx: Tx,
  input: NewMessage,
  only?: Id<'endpoint'>,
): Promise<MessageCreate> {
  const { payloadRetentionHours, at, ...fields } = input;
  const source = at === undefined ? {} : { now: () => at.getTime() };
  const [message] = await tx
    .insert(messages)
    .values({ id: newId('message', source), ...fields, ...(at && { createdAt: at }) })
    .onConflictDoNothing({ target: [messages.appId, messages.eventId] })
    .returning();
  if (message === undefined) return { ok: false, reason: 'duplicate_event_id' };
  if (payloadRetentionHours != null) {
    await tx.insert(payloadExpiries).values({
      messageId: message.id,
      tenantId: message.tenantId,
      expiresAt: new Date(message.createdAt.getTime() + payloadRetentionHours * 3_600_000),
    });
  }
  const targets = await tx
    .select({ id: endpoints.id })
    .from(endpoints)
    .where(
      and(
        receivesSql(sql`${input.appId}`, sql`${input.eventType}`, sql`${input.channels}::text[]`),
        only === undefined ? undefined : eq(endpoints.id, only),
      ),
    )
    .orderBy(endpoints.id);
  if (targets.length === 0) return { ok: true, message, deliveries: [] };
  const rows = targets.map((target) => ({
    id: newId('delivery', source),
    ...(at && { createdAt: at, updatedAt: at }),
    tenantId: input.tenantId,
    appId: input.appId,
    messageId: message.id,
    endpointId: target.id,
    nextAttemptAt: message.deliverAt ?? message.createdAt,
  }));
  await tx.insert(deliveries).values(rows);
  return { ok: true, message, deliveries: rows.map(({ id, endpointId }) => ({ id, endpointId })) };
}

/**
 * Writes the message and one pending delivery per receiving endpoint in ONE transaction: when
 * this returns, both are durable, and a crash before the commit leaves neither. Queueing the
 * deliveries is the caller's next step; if it never happens, the rows are still due.
 */
export async function createMessage(
  db: Db,
  input: NewMessage,
  /** Deliver only to this endpoint (if it would receive the message at all). */
  only?: Id<'endpoint'>,
): Promise<MessageCreate> {
  return db.transaction((tx) => insertMessage(tx, input, only));
}

export async function findMessage(
  db: DbOrTx,
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  ref: string,
): Promise<MessageRow | undefined> {
  // A message is addressed by its id or by the tenant's eventId, as in Svix.
  const [row] = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.tenantId, scope.tenantId),
        eq(messages.appId, scope.appId),
        isId('message', ref) ? eq(messages.id, ref) : eq(messages.eventId, ref),
      ),
    )
    .limit(1);
  return row;
}

export interface MessageFilter {
  eventTypes?: string[] | undefined;
  channel?: string | undefined;
  tag?: string | undefined;
  /** Only messages created before this time. */
  before?: Date | undefined;
  /** Only messages created after this time. */
  after?: Date | undefined;
}

/** Time bounds as id bounds: ids sort by creation time, so the list index serves both. */
export function idTimeBounds(
  column: Parameters<typeof gte>[0],
  kind: 'message' | 'attempt' | 'delivery',
  filter: { before?: Date | undefined; after?: Date | undefined },
): SQL[] {
  const bounds: SQL[] = [];
  if (filter.after) bounds.push(gte(column, idFloor(kind, new Date(filter.after.getTime() + 1))));
  if (filter.before) bounds.push(lt(column, idFloor(kind, filter.before)));
  return bounds;
}

export async function listMessages(
  db: DbOrTx,
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  request: PageRequest & MessageFilter,
): Promise<Page<MessageRow>> {
  const page = keyset(messages.id, request);
  const rows = await db
    .select()
    .from(messages)
    .where(
      and(
        eq(messages.tenantId, scope.tenantId),
        eq(messages.appId, scope.appId),
        request.eventTypes?.length ? inArray(messages.eventType, request.eventTypes) : undefined,
        request.channel === undefined
          ? undefined
          : arrayContains(messages.channels, [request.channel]),
        ...idTimeBounds(messages.id, 'message', request),
        page.where,
      ),
    )
    .orderBy(page.orderBy)
    .limit(page.limit);
  return page.page(rows, (row) => row.id);
}
