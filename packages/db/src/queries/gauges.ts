import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';

/** Operator gauges over every tenant (no tenant's data leaves: counts and one age). */
export interface ClusterGauges {
  /** Seconds since the oldest pending delivery became due; 0 when none is. */
  lagSeconds: number;
  /** Endpoints whose breaker (mirrored from Redis) is open, disabled ones aside. */
  breakersOpen: number;
  endpointsDisabled: number;
}

/**
 * Read when metrics are scraped, never per job. The lag is one probe of `deliveries_due_idx`
 * from its low end (an ordered limit, not min(), which would read every due row). The endpoint counts scan the endpoints table, which stays small next to
 * deliveries (bounded per application); the gauges of one scrape share one read.
 */
export async function clusterGauges(db: DbOrTx): Promise<ClusterGauges> {
  const { rows } = await db.execute<{
    lag: string | null;
    breakers_open: string;
    endpoints_disabled: string;
  }>(sql`
    select (select extract(epoch from now() - next_attempt_at)
              from deliveries
             where status = 'pending' and next_attempt_at <= now()
             order by next_attempt_at
             limit 1) as lag,
           count(*) filter (where breaker_state = 'open' and not disabled) as breakers_open,
           count(*) filter (where disabled) as endpoints_disabled
      from endpoints
     where deleted_at is null`);
  const row = rows[0];
  return {
    lagSeconds: Math.max(0, Number(row?.lag ?? 0)),
    breakersOpen: Number(row?.breakers_open ?? 0),
    endpointsDisabled: Number(row?.endpoints_disabled ?? 0),
  };
}
