import type { Id } from '@hookrail/ids';
import type { DecidedEvent, Decision } from '@hookrail/delivery';
import { and, eq, sql } from 'drizzle-orm';
import type { Db, Tx } from '../client.ts';
import { attempts, endpoints, type TaskRow } from '../schema/index.ts';
import type { ClaimedDelivery } from './claim.ts';
import { countTaskOutcomes, type TaskOutcomes } from './tasks.ts';
import type { NewDelivery } from './messages.ts';
import { emitOperationalEvents, type OperationalEvent } from './operational-events.ts';

/** One claimed delivery's attempt, and what `decideAttempt` decided follows from it. */
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
    /** False when nothing was sent (the endpoint was disabled, the key did not open). */
    sent: boolean;
    startedAt: Date;
    durationMs: number;
    requestHeaders: Record<string, string>;
    statusCode: number | null;
    response: string | null;
    error: string | null;
  };
  decision: Decision;
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
  /** Retry tasks whose re-queued deliveries ended in this batch, with their counts now. */
  tasks: TaskRow[];
}

/**
 * Writes what was decided about many attempts, in one transaction: every attempt row in one
 * insert, every delivery in one update, then the endpoint health that changed (an endpoint
 * whose health the attempts left as it was is not written), and the operational events that
 * follow, and the counters of the retry tasks whose
 * re-queued deliveries ended. The delivery update is a compare-and-set on the claim (`sending` with this claim's
 * token), so a delivery canceled, or taken over after the claim expired, is left as it is:
 * its attempt is recorded all the same, but it changes no endpoint health and raises no
 * events (the newer claim will). Callers complete their jobs only after this commits: a crash
 * before leaves the deliveries `sending` until their lease runs out, and they are sent again.
 */
export async function recordResults(db: Db, results: readonly DeliveryResult[]): Promise<Recorded> {
  if (results.length === 0) return { followUps: [], applied: new Set(), raised: [], tasks: [] };
  return db.transaction(async (tx) => {
    const rows = results.flatMap(({ delivery, attempt }) => {
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
      results.map(({ delivery, attempt, decision: { next } }) => {
        const nextAt =
          next.status === 'pending' ? new Date(next.nextAttemptAt).toISOString() : null;
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
             retry_task_id = case when v.status = 'pending' then d.retry_task_id end,
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
      for (const event of attemptEvents(result)) raise(result.delivery.tenantId, event);
    }
    for (const change of endpointHealth(current)) {
      const event = await updateHealth(tx, change);
      if (event) raise(change.delivery.tenantId, event);
    }
    const followUps: NewDelivery[] = [];
    for (const [tenantId, list] of events)
      followUps.push(...(await emitOperationalEvents(tx, tenantId, list)));
    const raised = [...events].flatMap(([tenantId, list]) =>
      list.map((event) => ({ tenantId, event })),
    );
    const tasks = await countTaskOutcomes(tx, taskOutcomes(current));
    return { followUps, applied, raised, tasks };
  });
}

/**
 * What the batch's final outcomes add to the retry tasks that re-queued those deliveries (the
 * update above cleared their `retry_task_id` in the same transaction, so none counts twice).
 */
function taskOutcomes(results: readonly DeliveryResult[]): TaskOutcomes[] {
  const byTask = new Map<Id<'task'>, TaskOutcomes>();
  for (const { delivery, decision } of results) {
    const taskId = delivery.retryTaskId;
    if (taskId === null || decision.next.status === 'pending') continue;
    const counts = byTask.get(taskId) ?? {
      tenantId: delivery.tenantId,
      taskId,
      delivered: 0,
      failedAgain: 0,
    };
    if (decision.next.status === 'succeeded') counts.delivered += 1;
    else counts.failedAgain += 1;
    byTask.set(taskId, counts);
  }
  return [...byTask.values()];
}

/** The message.attempt.* events decided for one attempt, with what they tell. */
function attemptEvents({ delivery, attempt, decision }: DeliveryResult): OperationalEvent[] {
  if (attempt === undefined) return [];
  return decision.events.flatMap((event): OperationalEvent[] =>
    event.type === 'endpoint.disabled'
      ? [] // raised once the endpoint row has actually changed
      : [
          {
            type: event.type,
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
          },
        ],
  );
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
  /** The endpoint is to be disabled, and the event that says so (if any). */
  disable: { reason: 'gone' | 'failing'; event: DecidedEvent | undefined } | null;
}

/**
 * Folds the batch's decisions into one change per endpoint, in order; endpoints whose health
 * no decision changed are left out.
 */
function endpointHealth(results: readonly DeliveryResult[]): HealthChange[] {
  const changes = new Map<string, HealthChange>();
  for (const { delivery, attempt, decision } of results) {
    if (attempt === undefined || !decision.healthChanged) continue;
    const change = changes.get(delivery.endpointId) ?? {
      delivery,
      reset: false,
      failures: 0,
      failingSince: null,
      breaker: null,
      disable: null,
    };
    if (decision.result === 'succeeded') {
      change.reset = true;
      change.failures = 0;
      change.failingSince = null;
    } else {
      change.failures += 1;
      change.failingSince ??= attempt.startedAt;
    }
    if (decision.health.breaker !== delivery.health.breaker)
      change.breaker = decision.health.breaker;
    if (decision.disable !== null) {
      change.disable ??= {
        reason: decision.disable,
        event: decision.events.find((event) => event.type === 'endpoint.disabled'),
      };
    }
    changes.set(delivery.endpointId, change);
  }
  return [...changes.values()];
}

/**
 * Writes one endpoint's change (failure counts relative to the row, so that workers recording
 * at once add up), and disables it when that was decided. Returns the endpoint.disabled event
 * when this write is what disabled it.
 */
async function updateHealth(tx: Tx, change: HealthChange): Promise<OperationalEvent | undefined> {
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
  if (change.disable === null) return undefined;
  const disabled = await tx
    .update(endpoints)
    .set({
      disabled: true,
      disabledReason: change.disable.reason,
      disabledAt: sql`now()`,
      updatedAt: sql`now()`,
    })
    .where(and(eq(endpoints.id, id), eq(endpoints.disabled, false)))
    .returning({ id: endpoints.id });
  const event = change.disable.event;
  if (disabled.length === 0 || event?.type !== 'endpoint.disabled') return undefined;
  const { delivery } = change;
  return {
    type: 'endpoint.disabled',
    data: {
      appId: delivery.appId,
      appUid: delivery.appUid,
      endpointId: delivery.endpointId,
      endpointUid: delivery.endpointUid,
      failSince: event.failingSince === null ? null : new Date(event.failingSince).toISOString(),
      trigger: event.trigger,
    },
  };
}
