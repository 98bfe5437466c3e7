import type { Id } from '@hookrail/ids';
import { and, eq, isNotNull, lt, sql } from 'drizzle-orm';
import type { Db, Tx } from '../client.ts';
import { attempts, endpoints } from '../schema/index.ts';
import type { ClaimedDelivery } from './claim.ts';
import type { NewDelivery } from './messages.ts';
import { emitOperationalEvents, type OperationalEvent } from './operational-events.ts';

/** What happened to one claimed delivery, and what becomes of it. */
export interface DeliveryResult {
  delivery: ClaimedDelivery;
  /** The attempt's record, when a request was made (or refused for a reason worth showing). */
  attempt?: {
    /**
     * Its id, chosen once by the caller, so that recording again after an unclear failure
     * (a commit whose answer was lost) cannot record it twice.
     */
    id: Id<'attempt'>;
    trigger: 'scheduled' | 'manual';
    outcome: 'succeeded' | 'failed';
    /** False when nothing was sent (the endpoint was disabled): it says nothing of its health. */
    sent: boolean;
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
  /** What the attempt did to the endpoint's circuit breaker. */
  breaker?: 'none' | 'opened' | 'reopened' | 'closed';
}

export interface RecordOptions {
  /** An endpoint failing without a success for this long is disabled. */
  disableAfterMs: number;
}

export interface Recorded {
  /** Operational messages created while recording, to be queued once this commits. */
  followUps: NewDelivery[];
  /**
   * The deliveries whose claim still held, so that their next state was written. For the
   * others (canceled, or taken over after the claim expired) only the attempt was recorded:
   * queue nothing for them.
   */
  applied: ReadonlySet<Id<'delivery'>>;
  /** The operational events raised, for the status stream (committed with the results). */
  raised: { tenantId: Id<'tenant'>; event: OperationalEvent }[];
}

/**
 * Records the outcome of many attempts in one transaction: every attempt row in one insert,
 * every delivery in one update, then each endpoint's health (failure run, breaker state,
 * disabling) and the operational events that follow. The delivery update is a compare-and-
 * set on the claim (`sending` with this claim's token), so a delivery canceled, or taken over
 * after the claim expired, is left as it is: its attempt is recorded all the same, but it
 * changes no endpoint health and raises no events (the newer claim will). Callers
 * complete their jobs only after this commits: a crash before leaves the deliveries
 * `sending` until their lease runs out, and they are sent again.
 */
export async function recordResults(
  db: Db,
  results: readonly DeliveryResult[],
  options: RecordOptions,
): Promise<Recorded> {
  if (results.length === 0) return { followUps: [], applied: new Set(), raised: [] };
  return db.transaction(async (tx) => {
    const rows = results.flatMap((result) => {
      const { delivery, attempt } = result;
      if (attempt === undefined) return [];
      // Every field of the attempt is a column, except whether anything was sent.
      const { sent, ...recorded } = attempt;
      return [
        {
          tenantId: delivery.tenantId,
          appId: delivery.appId,
          messageId: delivery.messageId,
          endpointId: delivery.endpointId,
          deliveryId: delivery.id,
          eventType: delivery.eventType,
          attemptNumber: delivery.attempt,
          url: delivery.url,
          ...recorded,
        },
      ];
    });
    if (rows.length > 0) await tx.insert(attempts).values(rows).onConflictDoNothing();
    const values = sql.join(
      results.map(({ delivery, attempt, next }) => {
        const nextAt = next.status === 'pending' ? next.nextAttemptAt.toISOString() : null;
        return sql`(${delivery.id}::text, ${delivery.claimToken}::text, ${next.status}::text,
                    ${nextAt}::timestamptz, ${attempt?.statusCode ?? null}::int)`;
      }),
      sql`, `,
    );
    const updated = await tx.execute<{ id: Id<'delivery'> }>(sql`
      update deliveries d
         set status = v.status,
             next_attempt_at = v.next_at,
             lease_until = null,
             claim_token = null,
             manual = false,
             last_status_code = coalesce(v.code, d.last_status_code),
             updated_at = now()
        from (values ${values}) as v(id, token, status, next_at, code)
       where d.id = v.id and d.status = 'sending' and d.claim_token = v.token
      returning d.id`);
    const applied = new Set(updated.rows.map((row) => row.id));
    const current = results.filter((result) => applied.has(result.delivery.id));

    const events = new Map<Id<'tenant'>, OperationalEvent[]>();
    const raise = (tenantId: Id<'tenant'>, event: OperationalEvent) => {
      events.set(tenantId, [...(events.get(tenantId) ?? []), event]);
    };
    for (const result of current) {
      const event = attemptEvent(result);
      if (event) raise(result.delivery.tenantId, event);
    }
    for (const health of endpointHealth(current)) {
      for (const event of await updateHealth(tx, health, options))
        raise(health.delivery.tenantId, event);
    }
    const followUps: NewDelivery[] = [];
    for (const [tenantId, list] of events)
      followUps.push(...(await emitOperationalEvents(tx, tenantId, list)));
    const raised = [...events].flatMap(([tenantId, list]) =>
      list.map((event) => ({ tenantId, event })),
    );
    return { followUps, applied, raised };
  });
}

/** message.attempt.failing (4th failure in a row), .exhausted (gave up), .recovered. */
function attemptEvent(result: DeliveryResult): OperationalEvent | undefined {
  const { delivery, attempt, next } = result;
  if (delivery.systemApp || attempt === undefined || !attempt.sent) return undefined;
  let type: 'message.attempt.failing' | 'message.attempt.exhausted' | 'message.attempt.recovered';
  if (attempt.outcome === 'succeeded') {
    if (delivery.attempt <= 4) return undefined;
    type = 'message.attempt.recovered';
  } else if (next.status === 'failed' && attempt.trigger === 'scheduled') {
    type = 'message.attempt.exhausted';
  } else if (delivery.attempt === 4) {
    type = 'message.attempt.failing';
  } else {
    return undefined;
  }
  return {
    type,
    data: {
      appId: delivery.appId,
      appUid: delivery.appUid,
      msgId: delivery.messageId,
      msgEventId: delivery.eventId,
      endpointId: delivery.endpointId,
      lastAttempt: {
        id: attempt.id,
        timestamp: attempt.startedAt.toISOString(),
        responseStatusCode: attempt.statusCode ?? 0,
        responseDurationMs: attempt.durationMs,
      },
    },
  };
}

interface HealthChange {
  delivery: ClaimedDelivery;
  /** A success came in this batch: the failure run restarts after it. */
  reset: boolean;
  /** Failures after the last success (or all of them, without one). */
  failures: number;
  /** When the first of those failures started. */
  failingSince: Date | null;
  breaker: 'open' | 'closed' | null;
  /** The endpoint answered 410 Gone. */
  gone: boolean;
}

/** Folds the batch's sent attempts into one change per endpoint, in order. */
function endpointHealth(results: readonly DeliveryResult[]): HealthChange[] {
  const changes = new Map<string, HealthChange>();
  for (const result of results) {
    const { delivery, attempt, breaker } = result;
    if (attempt === undefined || !attempt.sent) continue;
    const change = changes.get(delivery.endpointId) ?? {
      delivery,
      reset: false,
      failures: 0,
      failingSince: null,
      breaker: null,
      gone: false,
    };
    if (attempt.outcome === 'succeeded') {
      change.reset = true;
      change.failures = 0;
      change.failingSince = null;
    } else {
      change.failures += 1;
      change.failingSince ??= attempt.startedAt;
      change.gone ||= attempt.statusCode === 410;
    }
    if (breaker === 'opened' || breaker === 'reopened') change.breaker = 'open';
    if (breaker === 'closed') change.breaker = 'closed';
    changes.set(delivery.endpointId, change);
  }
  return [...changes.values()];
}

/**
 * Applies one endpoint's change, writing the row only when something differs, and disables it
 * when it answered 410 or has been failing for `disableAfterMs`. Returns the events to raise.
 */
async function updateHealth(
  tx: Tx,
  change: HealthChange,
  options: RecordOptions,
): Promise<OperationalEvent[]> {
  const id = change.delivery.endpointId;
  const failures = change.reset
    ? sql`${change.failures}::int`
    : sql`${endpoints.consecutiveFailures} + ${change.failures}::int`;
  const since = change.failingSince?.toISOString() ?? null;
  const failingSince = change.reset
    ? sql`${since}::timestamptz`
    : sql`coalesce(${endpoints.failingSince}, ${since}::timestamptz)`;
  const breaker =
    change.breaker === null ? sql`${endpoints.breakerState}` : sql`${change.breaker}::text`;
  await tx
    .update(endpoints)
    .set({ consecutiveFailures: failures, failingSince, breakerState: breaker })
    .where(
      and(
        eq(endpoints.id, id),
        sql`(${endpoints.consecutiveFailures}, ${endpoints.failingSince}, ${endpoints.breakerState})
            is distinct from (${failures}, ${failingSince}, ${breaker})`,
      ),
    );
  const disabled = await tx
    .update(endpoints)
    .set({
      disabled: true,
      disabledReason: change.gone ? 'gone' : 'failing',
      disabledAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(
      and(
        eq(endpoints.id, id),
        eq(endpoints.disabled, false),
        change.gone
          ? undefined
          : and(
              isNotNull(endpoints.failingSince),
              lt(
                endpoints.failingSince,
                sql`now() - ${options.disableAfterMs} * interval '1 millisecond'`,
              ),
            ),
      ),
    )
    .returning({ failingSince: endpoints.failingSince });
  const [row] = disabled;
  if (row === undefined || change.delivery.systemApp) return [];
  const { delivery } = change;
  return [
    {
      type: 'endpoint.disabled',
      data: {
        appId: delivery.appId,
        appUid: delivery.appUid,
        endpointId: delivery.endpointId,
        endpointUid: delivery.endpointUid,
        failSince: row.failingSince?.toISOString() ?? null,
        trigger: change.gone ? 'gone' : 'automatic',
      },
    },
  ];
}
