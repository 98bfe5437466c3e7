import { idFloor, type Id } from '@hookrail/ids';
import { and, eq, gte, lt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { deliveries } from '../schema/index.ts';
import { notDeletedApplication } from './deletion.ts';

/** What a series counts in one bucket: deliveries created in it, by their status now. */
export interface SeriesBucket {
  /** The bucket's first instant; it covers [start, start + interval). */
  start: Date;
  succeeded: number;
  failed: number;
  /** Pending or being sent: the outcome is not known yet. */
  pending: number;
  canceled: number;
}

export interface SeriesScope {
  tenantId: Id<'tenant'>;
  appId?: Id<'application'> | undefined;
  endpointId?: Id<'endpoint'> | undefined;
}

export interface SeriesWindow {
  since: Date;
  until: Date;
  intervalSeconds: number;
}

/**
 * Deliveries created in [since, until), counted per bucket of `intervalSeconds` (buckets start
 * at `since`) and status: every bucket of the window is present, empty ones with zeros. The id
 * range (ids begin with their creation time) lets an index on (tenant_id | endpoint_id, id)
 * read only the window; callers bound the window and the number of buckets.
 */
export async function deliverySeries(
  db: DbOrTx,
  scope: SeriesScope,
  window: SeriesWindow,
): Promise<SeriesBucket[]> {
  const { since, until, intervalSeconds } = window;
  const bucket = sql<number>`floor(extract(epoch from (${deliveries.createdAt} - ${since.toISOString()}::timestamptz)) / ${intervalSeconds})::int`;
  const rows = await db
    .select({ bucket, status: deliveries.status, n: sql<number>`count(*)::int` })
    .from(deliveries)
    .where(
      and(
        eq(deliveries.tenantId, scope.tenantId),
        scope.appId === undefined
          ? // Deleted applications' deliveries are not counted, from the deletion on.
            notDeletedApplication(deliveries.appId, scope.tenantId)
          : eq(deliveries.appId, scope.appId),
        scope.endpointId === undefined ? undefined : eq(deliveries.endpointId, scope.endpointId),
        gte(deliveries.id, idFloor('delivery', since)),
        lt(deliveries.id, idFloor('delivery', until)),
      ),
    )
    .groupBy(sql`1`, deliveries.status);

  const count = Math.ceil((until.getTime() - since.getTime()) / (intervalSeconds * 1000));
  const buckets: SeriesBucket[] = Array.from({ length: count }, (_, i) => ({
    start: new Date(since.getTime() + i * intervalSeconds * 1000),
    succeeded: 0,
    failed: 0,
    pending: 0,
    canceled: 0,
  }));
  for (const row of rows) {
    // created_at and the id's time may differ by the moment between them; a row whose
    // created_at fell just outside the window is counted in the nearest bucket.
    const target = buckets[Math.min(Math.max(row.bucket, 0), count - 1)];
    if (target === undefined) continue;
    if (row.status === 'sending' || row.status === 'pending') target.pending += row.n;
    else target[row.status] += row.n;
  }
  return buckets;
}
