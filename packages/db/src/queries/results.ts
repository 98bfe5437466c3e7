import type { Id } from '@hookrail/ids';
import type { DecidedEvent, Decision } from '@hookrail/delivery';
import { and, eq, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../client.ts';
import { endpoints, type TaskRow } from '../schema/index.ts';
import type { ClaimedDelivery } from './claim.ts';
import { countTaskOutcomes, type TaskOutcomes } from './tasks.ts';
import type { NewDelivery } from './messages.ts';
import { emitOperationalEvents, type OperationalEvent } from './operational-events.ts';
import { executePrepared } from '../prepared.ts';

/** One claimed delivery's attempt, and what `decideAttempt` decided follows from it. */
export interface DeliveryResult {
  delivery: ClaimedDelivery;
  /** The attempt's record, when a request was made (or refused for a reason worth showing). */
  attempt?: Attempt;
  decision: Decision;
}

/** An attempt's record. */
export interface Attempt {
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
 * Writes what was decided about many attempts: every attempt row and every delivery in one
 * statement, then the endpoint health that changed (an endpoint whose health the attempts left
 * as it was is not written), the operational events that follow, and the counters of the retry
 * tasks whose re-queued deliveries ended. The delivery update is a compare-and-set on the claim
 * (`sending` with this claim's token), so a delivery canceled, or taken over after the claim
 * expired, is left as it is: its attempt is recorded all the same, but it changes no endpoint
 * health and raises no events (the newer claim will). Callers complete their jobs only after
 * this commits: a crash before leaves the deliveries `sending` until their lease runs out, and
 * they are sent again.
 *
 * A batch whose decisions write nothing beyond the attempts and the deliveries (healthy
 * endpoints, no events, no retry task ending: most of them) is that one statement alone,
 * atomic by itself, with no transaction around it: one round trip instead of four.
 */
export async function recordResults(db: Db, results: readonly DeliveryResult[]): Promise<Recorded> {
  if (results.length === 0) return { followUps: [], applied: new Set(), raised: [], tasks: [] };
  if (results.every(writesRowsOnly)) {
    return { followUps: [], applied: await writeRows(db, results), raised: [], tasks: [] };
  }
  return db.transaction(async (tx) => {
    const applied = await writeRows(tx, results);
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
 * Whether recording `result` writes its attempt and its delivery and nothing else, whatever
 * the claim: no endpoint health changed, no event decided, no retry task's count owed. Keep it
 * in step with what `recordResults` does after `writeRows`.
 */
function writesRowsOnly({ delivery, decision }: DeliveryResult): boolean {
  return (
    !decision.healthChanged &&
    decision.events.length === 0 &&
    (delivery.retryTaskId === null || decision.next.status === 'pending')
  );
}

/**
 * The attempt rows (inserted once: an attempt recorded again after a lost answer is left as
 * it is) and the deliveries' compare-and-set, in one statement. Returns the deliveries whose
 * claim still held.
 */
async function writeRows(
  db: DbOrTx,
  results: readonly DeliveryResult[],
): Promise<Set<Id<'delivery'>>> {
  // Each column goes as one array parameter (unnest zips them back into rows): a batch of any
  // size is a short statement with a fixed number of parameters, cheap to build and to plan.
  const made = results.flatMap(({ delivery, attempt }) =>
    attempt === undefined ? [] : [{ delivery, attempt }],
  );
  const column = <T>(of: (made: { delivery: ClaimedDelivery; attempt: Attempt }) => T) =>
    sql.param(made.map(of));
  const inserted =
    made.length > 0
      ? sql`inserted as (
          -- Every column of schema/attempts.ts, in the order of the arrays below.
          insert into attempts (id, tenant_id, app_id, message_id, endpoint_id, delivery_id,
                                event_type, attempt_number, trigger, outcome, url, started_at,
                                duration_ms, request_headers, status_code, response, error)
          select * from unnest(
            ${column((m) => m.attempt.id)}::text[],
            ${column((m) => m.delivery.tenantId)}::text[],
            ${column((m) => m.delivery.appId)}::text[],
            ${column((m) => m.delivery.messageId)}::text[],
            ${column((m) => m.delivery.endpointId)}::text[],
            ${column((m) => m.delivery.id)}::text[],
            ${column((m) => m.delivery.eventType)}::text[],
            ${column((m) => m.delivery.attempt)}::int[],
            ${column((m) => m.attempt.trigger)}::text[],
            ${column((m) => m.attempt.outcome)}::text[],
            ${column((m) => m.delivery.url)}::text[],
            ${column((m) => m.attempt.startedAt.toISOString())}::timestamptz[],
            ${column((m) => m.attempt.durationMs)}::int[],
            ${column((m) => JSON.stringify(m.attempt.requestHeaders))}::jsonb[],
            ${column((m) => m.attempt.statusCode)}::int[],
            ${column((m) => m.attempt.response)}::text[],
            ${column((m) => m.attempt.error)}::text[])
          on conflict do nothing
        ), `
      : sql``;
  const nextAt = ({ decision: { next } }: DeliveryResult) =>
    next.status === 'pending' ? new Date(next.nextAttemptAt).toISOString() : null;
  // Two texts (with attempts to insert or without), each prepared under a name of its own.
  const name = made.length > 0 ? 'hookrail_record_results' : 'hookrail_record_deliveries';
  const updated = await executePrepared<{ id: Id<'delivery'> }>(
    db,
    name,
    sql`
    with ${inserted}updated as (
      update deliveries d
         set status = v.status,
             next_attempt_at = v.next_at,
             lease_until = null,
             claim_token = null,
             manual = false,
             retry_task_id = case when v.status = 'pending' then d.retry_task_id end,
             last_status_code = coalesce(v.code, d.last_status_code),
             updated_at = now()
        from unnest(${sql.param(results.map((r) => r.delivery.id))}::text[],
                    ${sql.param(results.map((r) => r.delivery.claimToken))}::text[],
                    ${sql.param(results.map((r) => r.decision.next.status))}::text[],
                    ${sql.param(results.map(nextAt))}::timestamptz[],
                    ${sql.param(results.map((r) => r.attempt?.statusCode ?? null))}::int[])
             as v(id, token, status, next_at, code)
       where d.id = v.id and d.status = 'sending' and d.claim_token = v.token
      returning d.id
    )
    select id from updated`,
  );
  return new Set(updated.rows.map((row) => row.id));
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
