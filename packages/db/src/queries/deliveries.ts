import { idFloor, newId, type Id } from '@hookrail/ids';
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import {
  attempts,
  deliveries,
  endpoints,
  type DeliveryRow,
  type DeliveryStatus,
  type EndpointRow,
} from '../schema/index.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';

/** Everything a worker needs to make one attempt of a delivery it has claimed. */
export interface ClaimedDelivery {
  id: Id<'delivery'>;
  tenantId: Id<'tenant'>;
  appId: Id<'application'>;
  messageId: Id<'message'>;
  endpointId: Id<'endpoint'>;
  /** The number of the attempt now being made (1-based). */
  attempt: number;
  eventType: string;
  payload: string;
  url: string;
  headers: Record<string, string>;
  endpointDisabled: boolean;
  endpointDeleted: boolean;
  /** Live secrets' key bytes (base64), newest first. */
  keys: string[];
  /** Asked for by a person: recorded as manual and not retried. */
  manual: boolean;
  /** The tenant's choice of header names. */
  headerStyle: 'webhook' | 'svix';
}

interface ClaimRow extends Record<string, unknown> {
  id: Id<'delivery'>;
  tenant_id: Id<'tenant'>;
  app_id: Id<'application'>;
  message_id: Id<'message'>;
  endpoint_id: Id<'endpoint'>;
  attempt_count: number;
  event_type: string;
  payload: string;
  url: string;
  headers: Record<string, string>;
  disabled: boolean;
  deleted: boolean;
  keys: string[];
  manual: boolean;
  header_style: 'webhook' | 'svix';
}

/**
 * Claims attempt `attempt` of each delivery: compare-and-set from `pending` with
 * `attempt - 1` attempts made to `sending` with a lease, and loads what sending needs, in one
 * statement. A delivery already claimed, finished or canceled is simply not returned, so a
 * duplicate or stale job sends nothing.
 */
export async function claimDeliveries(
  db: DbOrTx,
  claims: readonly { deliveryId: Id<'delivery'>; attempt: number }[],
  leaseMs: number,
): Promise<ClaimedDelivery[]> {
  if (claims.length === 0) return [];
  const wanted = sql.join(
    claims.map((c) => sql`(${c.deliveryId}::text, ${c.attempt}::int)`),
    sql`, `,
  );
  const result = await db.execute<ClaimRow>(sql`
    with wanted(id, attempt) as (values ${wanted}),
    claimed as (
      update ${deliveries} d
         set status = 'sending',
             attempt_count = d.attempt_count + 1,
             lease_until = now() + ${leaseMs} * interval '1 millisecond',
             updated_at = now()
        from wanted w
       where d.id = w.id and d.status = 'pending' and d.attempt_count = w.attempt - 1
      returning d.id, d.tenant_id, d.app_id, d.message_id, d.endpoint_id, d.attempt_count, d.manual
    )
    select c.*, m.event_type, m.payload, e.url, e.headers, e.disabled,
           e.deleted_at is not null as deleted, t.header_style,
           coalesce((select array_agg(s.key order by s.created_at desc)
                       from endpoint_secrets s
                      where s.endpoint_id = c.endpoint_id
                        and (s.expires_at is null or s.expires_at > now())), '{}') as keys
      from claimed c
      join messages m on m.id = c.message_id
      join endpoints e on e.id = c.endpoint_id
      join tenants t on t.id = c.tenant_id`);
  return result.rows.map((row) => ({
    id: row.id,
    tenantId: row.tenant_id,
    appId: row.app_id,
    messageId: row.message_id,
    endpointId: row.endpoint_id,
    attempt: row.attempt_count,
    eventType: row.event_type,
    payload: row.payload,
    url: row.url,
    headers: row.headers,
    endpointDisabled: row.disabled,
    endpointDeleted: row.deleted,
    keys: row.keys,
    manual: row.manual,
    headerStyle: row.header_style,
  }));
}

/** What happened to one claimed delivery, and what becomes of it. */
export interface DeliveryResult {
  delivery: ClaimedDelivery;
  /** The attempt's record, when a request was made (or refused for a reason worth showing). */
  attempt?: {
    trigger: 'scheduled' | 'manual';
    outcome: 'succeeded' | 'failed';
    startedAt: Date;
    durationMs: number;
    requestHeaders: Record<string, string>;
    statusCode: number | null;
    response: string | null;
    error: string | null;
  };
  /** The delivery's next state: final, or pending again until `nextAttemptAt`. */
  next:
    { status: 'succeeded' | 'failed' | 'canceled' } | { status: 'pending'; nextAttemptAt: Date };
}

/**
 * Records the outcome of many attempts in one transaction: every attempt row in one insert,
 * every delivery in one update. The update is a compare-and-set on (`sending`, attempt), so a
 * delivery canceled meanwhile stays canceled; its attempt is recorded all the same. Callers
 * complete their jobs only after this commits: a crash before leaves the deliveries `sending`
 * until their lease runs out, and they are sent again.
 */
export async function recordResults(db: Db, results: readonly DeliveryResult[]): Promise<void> {
  if (results.length === 0) return;
  await db.transaction(async (tx) => {
    const rows = results.flatMap(({ delivery, attempt }) =>
      attempt === undefined
        ? []
        : [
            {
              id: newId('attempt'),
              tenantId: delivery.tenantId,
              appId: delivery.appId,
              messageId: delivery.messageId,
              endpointId: delivery.endpointId,
              deliveryId: delivery.id,
              eventType: delivery.eventType,
              attemptNumber: delivery.attempt,
              url: delivery.url,
              ...attempt,
            },
          ],
    );
    if (rows.length > 0) await tx.insert(attempts).values(rows);
    const values = sql.join(
      results.map(({ delivery, attempt, next }) => {
        const nextAt = next.status === 'pending' ? next.nextAttemptAt.toISOString() : null;
        return sql`(${delivery.id}::text, ${delivery.attempt}::int, ${next.status}::text,
                    ${nextAt}::timestamptz, ${attempt?.statusCode ?? null}::int)`;
      }),
      sql`, `,
    );
    await tx.execute(sql`
      update ${deliveries} d
         set status = v.status,
             next_attempt_at = v.next_at,
             lease_until = null,
             manual = false,
             last_status_code = coalesce(v.code, d.last_status_code),
             updated_at = now()
        from (values ${values}) as v(id, attempt, status, next_at, code)
       where d.id = v.id and d.status = 'sending' and d.attempt_count = v.attempt`);
  });
}

/**
 * Cancels what an endpoint still had to send; called in the transaction that deletes it.
 * A delivery being sent right now finishes its request, but its result no longer changes it.
 */
export async function cancelEndpointDeliveries(
  db: DbOrTx,
  endpointId: Id<'endpoint'>,
): Promise<number> {
  const canceled = await db
    .update(deliveries)
    .set({ status: 'canceled', nextAttemptAt: null, leaseUntil: null, updatedAt: sql`now()` })
    .where(
      and(
        eq(deliveries.endpointId, endpointId),
        inArray(deliveries.status, ['pending', 'sending']),
      ),
    )
    .returning({ id: deliveries.id });
  return canceled.length;
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
    .set({ status: 'pending', manual: true, nextAttemptAt: sql`now()`, updatedAt: sql`now()` })
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
