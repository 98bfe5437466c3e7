import type { Id } from '@hookrail/ids';
import { sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { executePrepared } from '../prepared.ts';
import { deliveries, type TaskRow } from '../schema/index.ts';
import type { CanceledDelivery } from './deliveries.ts';
import { getTasks } from './tasks.ts';

/** Everything a worker needs to make one attempt of a delivery it has claimed. */
export interface ClaimedDelivery {
  id: Id<'delivery'>;
  tenantId: Id<'tenant'>;
  appId: Id<'application'>;
  appUid: string | null;
  /** The tenant's operational-webhook application: its deliveries raise no events. */
  systemApp: boolean;
  messageId: Id<'message'>;
  eventId: string | null;
  endpointId: Id<'endpoint'>;
  endpointUid: string | null;
  /** The number of the attempt now being made (1-based). */
  attempt: number;
  eventType: string;
  payload: string;
  url: string;
  headers: Record<string, string>;
  endpointDisabled: boolean;
  endpointDeleted: boolean;
  /** Live secrets, newest first, their key material still sealed. */
  keys: { kind: 'hmac' | 'ed25519'; key: string }[];
  /** Asked for by a person: recorded as manual and not retried. */
  manual: boolean;
  /** The retry task that re-queued it, whose counters its outcome goes to. */
  retryTaskId: Id<'task'> | null;
  /** The tenant's choice of header names. */
  headerStyle: 'webhook' | 'svix';
  /** This claim's token: the result is recorded only if the claim is still this one. */
  claimToken: string;
  /** The endpoint's health as of the claim, for deciding what follows the attempt. */
  health: {
    consecutiveFailures: number;
    /** Milliseconds since the epoch, or null. */
    failingSince: number | null;
    breaker: 'open' | 'closed';
    disabled: boolean;
  };
}

interface ClaimRow extends Record<string, unknown> {
  id: Id<'delivery'>;
  status: 'sending' | 'canceled';
  tenant_id: Id<'tenant'>;
  app_id: Id<'application'>;
  app_uid: string | null;
  system: boolean;
  message_id: Id<'message'>;
  event_id: string | null;
  endpoint_id: Id<'endpoint'>;
  endpoint_uid: string | null;
  attempt_count: number;
  event_type: string;
  payload: string;
  url: string;
  headers: Record<string, string>;
  disabled: boolean;
  deleted: boolean;
  keys: { kind: 'hmac' | 'ed25519'; key: string }[];
  manual: boolean;
  retry_task_id: Id<'task'> | null;
  header_style: 'webhook' | 'svix';
  claim_token: string;
  consecutive_failures: number;
  failing_since: Date | string | null;
  breaker_state: 'open' | 'closed';
  /** Set (and nothing else) on the rows of the tasks the claim counted canceled deliveries on. */
  counted_task_id: Id<'task'> | null;
  counted_tenant_id: Id<'tenant'> | null;
}

/** What one claim statement did. */
export interface Claims {
  /** The deliveries claimed, ready to send. */
  claimed: ClaimedDelivery[];
  /**
   * Canceled for their deleted application, for their `delivery.canceled` events. Not those of
   * a deleted tenant: its sessions are closed and its credentials refused, so nobody is left
   * to read its stream.
   */
  canceled: CanceledDelivery[];
  /**
   * The retry tasks whose counts changed because the claim canceled deliveries they had
   * re-queued, as they are now, for their `task.progress`.
   */
  tasks: TaskRow[];
}

/**
 * Claims attempt `attempt` of each delivery: compare-and-set from `pending` with
 * `attempt - 1` attempts made to `sending` with a lease, and loads what sending needs, in one
 * statement. A delivery already claimed, finished or canceled is simply not returned, so a
 * duplicate or stale job sends nothing. A delivery whose application or tenant is marked
 * deleted is canceled instead of claimed (the purge deletes it later); if a retry task had
 * re-queued it, the task counts it as failed again, and is read again (a second statement,
 * only then) to be returned.
 *
 * The claim is the only write between a job's pickup and its request, so it does not wait for
 * its commit to reach the disk: `synchronous_commit` is off for the claim's own transaction
 * (the connection's later statements are unchanged). While Postgres runs, a claim is visible
 * to every other worker as soon as it commits, so the compare-and-set holds as before. A
 * Postgres crash can lose only claims of its last moments whose results were not recorded
 * yet (`recordResults` commits durably, which flushes the claims before it): such a delivery
 * is `pending` again with its earlier attempt count, and is queued and sent again with the
 * same `webhook-id`, at least once as after an expired lease (the first request's result,
 * recorded when Postgres is back, no longer matches a claim and is kept as an attempt only).
 * Takes a `Db`, not a transaction, which the setting would make asynchronous too.
 */
export async function claimDeliveries(
  db: Db,
  claims: readonly { deliveryId: Id<'delivery'>; attempt: number }[],
  leaseMs: number,
): Promise<Claims> {
  if (claims.length === 0) return { claimed: [], canceled: [], tasks: [] };
  // Two array parameters, whatever the number of claims: a short statement to build and plan.
  const ids = sql.param(claims.map((c) => c.deliveryId));
  const attempts = sql.param(claims.map((c) => c.attempt));
  const result = await executePrepared<ClaimRow>(
    db,
    'hookrail_claim_deliveries',
    sql`
    with wanted(id, attempt) as (select * from unnest(${ids}::text[], ${attempts}::int[])),
    -- Transaction-local (see above); evaluated before any row is claimed.
    relaxed as materialized (select set_config('synchronous_commit', 'off', true) as setting),
    found as (
      select d.id, w.attempt, (a.deleted_at is not null or t.deleted_at is not null) as gone,
             t.deleted_at is not null as tenant_gone
        from wanted w
        join ${deliveries} d on d.id = w.id and d.status = 'pending' and d.attempt_count = w.attempt - 1
        join applications a on a.id = d.app_id
        join tenants t on t.id = d.tenant_id
    ),
    claimed as (
      update ${deliveries} d
         set status = case when f.gone then 'canceled' else 'sending' end,
             attempt_count = case when f.gone then d.attempt_count else d.attempt_count + 1 end,
             next_attempt_at = case when f.gone then null else d.next_attempt_at end,
             lease_until = case when f.gone then null
                                else now() + ${leaseMs} * interval '1 millisecond' end,
             claim_token = case when f.gone then null
                                else md5(random()::text || clock_timestamp()::text) end,
             updated_at = now()
        from found f, relaxed
       where d.id = f.id and d.status = 'pending' and d.attempt_count = f.attempt - 1
      returning d.id, d.tenant_id, d.app_id, d.message_id, d.endpoint_id, d.attempt_count, d.manual,
                d.retry_task_id, d.claim_token, d.status, f.tenant_gone
    ),
    -- A canceled delivery a retry task re-queued ends here: counted as failed again, once (a
    -- canceled delivery is never claimed again; only a resend revives it, clearing the mark).
    counted as (
      update tasks t
         set failed_again = t.failed_again + g.n
        from (select tenant_id, retry_task_id, count(*)::int as n
                from claimed
               where status = 'canceled' and retry_task_id is not null
               group by tenant_id, retry_task_id) g
       where t.id = g.retry_task_id and t.tenant_id = g.tenant_id
      returning t.id, t.tenant_id
    )
    -- The deliveries claimed or canceled, and after them (a full join that matches nothing)
    -- one row for each task counted, which has only counted_task_id and counted_tenant_id.
    select r.*, k.counted_task_id, k.counted_tenant_id
      from (
        select c.*, m.event_type, m.event_id, m.payload, e.url, e.headers, e.disabled, e.uid as endpoint_uid,
               e.deleted_at is not null as deleted, e.consecutive_failures, e.failing_since,
               e.breaker_state, t.header_style, a.uid as app_uid, a.system,
               coalesce((select json_agg(json_build_object('kind', s.kind, 'key', s.key) order by s.created_at desc)
                           from endpoint_secrets s
                          where s.endpoint_id = c.endpoint_id and c.status = 'sending'
                            and (s.expires_at is null or s.expires_at > now())), '[]') as keys
          from claimed c
          join messages m on m.id = c.message_id
          join endpoints e on e.id = c.endpoint_id
          join applications a on a.id = c.app_id
          join tenants t on t.id = c.tenant_id
         where c.status = 'sending' or not c.tenant_gone
      ) r
      full join (select id as counted_task_id, tenant_id as counted_tenant_id from counted) k on false`,
  );
  const counted: { tenantId: Id<'tenant'>; id: Id<'task'> }[] = [];
  for (const row of result.rows) {
    if (row.counted_task_id !== null && row.counted_tenant_id !== null) {
      counted.push({ tenantId: row.counted_tenant_id, id: row.counted_task_id });
    }
  }
  const canceled = result.rows
    .filter((row) => row.status === 'canceled')
    .map((row) => ({
      id: row.id,
      tenantId: row.tenant_id,
      appId: row.app_id,
      messageId: row.message_id,
      endpointId: row.endpoint_id,
      eventType: row.event_type,
    }));
  const claimed = result.rows
    .filter((row) => row.status === 'sending')
    .map((row) => ({
      id: row.id,
      tenantId: row.tenant_id,
      appId: row.app_id,
      appUid: row.app_uid,
      systemApp: row.system,
      messageId: row.message_id,
      eventId: row.event_id,
      endpointId: row.endpoint_id,
      endpointUid: row.endpoint_uid,
      attempt: row.attempt_count,
      eventType: row.event_type,
      payload: row.payload,
      url: row.url,
      headers: row.headers,
      endpointDisabled: row.disabled,
      endpointDeleted: row.deleted,
      keys: row.keys,
      manual: row.manual,
      retryTaskId: row.retry_task_id,
      headerStyle: row.header_style,
      claimToken: row.claim_token,
      health: {
        consecutiveFailures: row.consecutive_failures,
        failingSince: row.failing_since === null ? null : new Date(row.failing_since).getTime(),
        breaker: row.breaker_state,
        disabled: row.disabled,
      },
    }));
  return { claimed, canceled, tasks: await getTasks(db, counted) };
}
