import type { Id } from '@hookrail/ids';
import { and, arrayContains, eq, gte, inArray, isNull, lt, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { attempts, messages, type AttemptRow, type MessageRow } from '../schema/index.ts';
import { idTimeBounds } from './messages.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';

export interface AttemptFilter {
  outcome?: 'succeeded' | 'failed' | undefined;
  /** 0 for attempts without a response, else 100, 200, 300, 400 or 500. */
  statusCodeClass?: number | undefined;
  eventTypes?: string[] | undefined;
  endpointId?: Id<'endpoint'> | undefined;
  /** Only attempts of messages sent on this channel. */
  channel?: string | undefined;
  /** Only attempts of messages with this tag. */
  tag?: string | undefined;
  before?: Date | undefined;
  after?: Date | undefined;
}

/** Ids of messages matching `where`, as a subquery. */
function messageIdsWhere(where: SQL) {
  return sql`(select ${messages.id} from ${messages} where ${where})`;
}

function filters(filter: AttemptFilter): (SQL | undefined)[] {
  const cls = filter.statusCodeClass;
  return [
    filter.outcome === undefined ? undefined : eq(attempts.outcome, filter.outcome),
    cls === undefined
      ? undefined
      : cls === 0
        ? isNull(attempts.statusCode)
        : and(gte(attempts.statusCode, cls), lt(attempts.statusCode, cls + 100)),
    filter.eventTypes?.length ? inArray(attempts.eventType, filter.eventTypes) : undefined,
    filter.endpointId === undefined ? undefined : eq(attempts.endpointId, filter.endpointId),
    filter.channel === undefined
      ? undefined
      : inArray(
          attempts.messageId,
          messageIdsWhere(arrayContains(messages.channels, [filter.channel])),
        ),
    filter.tag === undefined
      ? undefined
      : inArray(attempts.messageId, messageIdsWhere(arrayContains(messages.tags, [filter.tag]))),
    ...idTimeBounds(attempts.id, 'attempt', filter),
  ];
}

/** Attempts of one message or of one endpoint (`by`), newest first by default. */
export async function listAttempts(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  by: { messageId: Id<'message'> } | { endpointId: Id<'endpoint'> },
  request: PageRequest & AttemptFilter,
): Promise<Page<AttemptRow>> {
  const page = keyset(attempts.id, request);
  const rows = await db
    .select()
    .from(attempts)
    .where(
      and(
        eq(attempts.tenantId, tenantId),
        'messageId' in by
          ? eq(attempts.messageId, by.messageId)
          : eq(attempts.endpointId, by.endpointId),
        ...filters(request),
        page.where,
      ),
    )
    .orderBy(page.orderBy)
    .limit(page.limit);
  return page.page(rows, (row) => row.id);
}

export async function getAttempt(
  db: DbOrTx,
  scope: { tenantId: Id<'tenant'>; messageId: Id<'message'> },
  id: Id<'attempt'>,
): Promise<AttemptRow | undefined> {
  const [row] = await db
    .select()
    .from(attempts)
    .where(
      and(
        eq(attempts.tenantId, scope.tenantId),
        eq(attempts.messageId, scope.messageId),
        eq(attempts.id, id),
      ),
    );
  return row;
}

/** The messages of some attempts, for lists that include them. */
export async function messagesById(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  ids: Id<'message'>[],
): Promise<Map<string, MessageRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select()
    .from(messages)
    .where(and(eq(messages.tenantId, tenantId), inArray(messages.id, [...new Set(ids)])));
  return new Map(rows.map((row) => [row.id, row]));
}
