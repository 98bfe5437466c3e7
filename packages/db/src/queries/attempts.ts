import type { Id } from '@hookrail/ids';
import { and, eq, inArray, isNull, gte, lt, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { attempts, type AttemptRow } from '../schema/index.ts';
import { idTimeBounds } from './messages.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';

export interface AttemptFilter {
  outcome?: 'succeeded' | 'failed' | undefined;
  /** 0 for attempts without a response, else 100, 200, 300, 400 or 500. */
  statusCodeClass?: number | undefined;
  eventTypes?: string[] | undefined;
  endpointId?: Id<'endpoint'> | undefined;
  before?: Date | undefined;
  after?: Date | undefined;
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
