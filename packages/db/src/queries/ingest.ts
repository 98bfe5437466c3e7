import { idTime, newId, type Id } from '@hookrail/ids';
import { and, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import type { Db, DbOrTx } from '../client.ts';
import { isConflictError, isNotNullViolation } from '../errors.ts';
import {
  deliveries,
  endpoints,
  messages,
  payloadExpiries,
  type MessageRow,
} from '../schema/index.ts';
import type { MessageCreate, NewDelivery, NewMessage } from './messages.ts';
import { receivesSql } from './receives.ts';

/** A message to write, with an upper bound on how many endpoints can receive it. */
export interface IngestMessage extends NewMessage {
  /**
   * At least the number of live, enabled endpoints of the application (a cached count will do):
   * that many delivery ids are made in advance, since Postgres picks the receivers. When it is
   * too low the statement fails as a whole and writes nothing (`DeliveryIdShortage`).
   */
  receiversAtMost: number;
}

/** The receivers outnumbered the delivery ids made for them; nothing was written. */
export class DeliveryIdShortage extends Error {
  constructor(options: { cause: unknown }) {
    super('more receiving endpoints than delivery ids; count them again', options);
    this.name = 'DeliveryIdShortage';
  }
}

type Written = {
  id: Id<'message'>;
  /** [delivery id, endpoint id] pairs, in endpoint order. */
  deliveries: [Id<'delivery'>, Id<'endpoint'>][] | null;
  /** Not written: its application or tenant is marked deleted. */
  gone: boolean;
};

/**
 * The statement of `insertMessages`, whose text does not depend on the messages (they are its
 * one parameter, a JSON array): turned into text once rather than by drizzle on every call.
 */
const insertStatement = sql`
  with input as (
    select * from json_to_recordset(${sql.placeholder('rows')}::json) as t(
      id text, created_at timestamptz, tenant_id text, app_id text, event_type text,
      event_id text, channels text[], tags text[], payload text, deliver_at timestamptz,
      retention_hours int, delivery_ids text[])
  ), gone as (
    select input.id from input
     where not exists (
       select 1 from applications a join tenants t on t.id = a.tenant_id
        where a.id = input.app_id and a.deleted_at is null and t.deleted_at is null)
  ), m as (
    insert into ${messages} (id, created_at, tenant_id, app_id, event_type, event_id,
      channels, tags, payload, deliver_at)
    select id, created_at, tenant_id, app_id, event_type, event_id, channels, tags, payload,
      deliver_at
    from input
    where input.id not in (select id from gone)
    on conflict (app_id, event_id) do nothing
    returning id, tenant_id, app_id, event_type, channels, deliver_at, created_at
  ), targets as (
    select m.id as message_id, m.tenant_id, m.app_id, ${endpoints.id} as endpoint_id,
      coalesce(m.deliver_at, m.created_at) as due,
      row_number() over (partition by m.id order by ${endpoints.id}) as n
    from m join ${endpoints}
      on ${receivesSql(sql`m.app_id`, sql`m.event_type`, sql`m.channels`)}
  ), d as (
    insert into ${deliveries} (id, tenant_id, app_id, message_id, endpoint_id, next_attempt_at)
    select input.delivery_ids[targets.n], targets.tenant_id, targets.app_id,
      targets.message_id, targets.endpoint_id, targets.due
    from targets join input on input.id = targets.message_id
    returning id, message_id, endpoint_id
  ), e as (
    insert into ${payloadExpiries} (message_id, tenant_id, expires_at)
    select m.id, m.tenant_id, m.created_at + input.retention_hours * interval '1 hour'
    from m join input on input.id = m.id
    where input.retention_hours is not null
  )
  select m.id,
    (select json_agg(json_build_array(d.id, d.endpoint_id) order by d.endpoint_id)
     from d where d.message_id = m.id) as deliveries,
    false as gone
  from m
  union all
  select gone.id, null, true from gone`;
/** The name `insertMessages` prepares its statement under, once on each connection. */
const insertMessagesStatement = 'hookrail_insert_messages';
let insertTextCache: string | undefined;
const insertText = (): string =>
  (insertTextCache ??= new PgDialect().sqlToQuery(insertStatement).sql);

/**
 * Writes messages and one pending delivery per receiving endpoint of each, in ONE statement
 * (so one implicit transaction and one round trip for any number of messages): when it
 * returns they are durable, and a crash before leaves none of them. The receivers are chosen
 * by Postgres in the same statement, so an endpoint changed a moment ago is seen as it is now.
 * A message whose eventId its application already has is skipped (`duplicate_event_id`); so
 * is the later of two in `list` with the same one. A message whose application or tenant is
 * marked deleted (a lookup cached a moment before the mark) is skipped too
 * (`application_deleted`): nothing is written for it after the deletion was answered.
 *
 * Throws `DeliveryIdShortage` when a `receiversAtMost` was too low; any other error (an
 * application purged meanwhile fails its foreign key) fails every message of the call. A
 * statement Postgres rolled back to break a deadlock (or whose lock wait ran out) is sent once
 * more before its error is thrown (`isConflictError`). Takes the pool, not a transaction: the
 * statement is its own transaction.
 *
 * It is a named prepared statement, planned once per connection (see `executePrepared`).
 */
export async function insertMessages(
  db: Db,
  list: readonly IngestMessage[],
): Promise<MessageCreate[]> {
  if (list.length === 0) return [];
  const rows = list.map((input) => {
    const at = input.at;
    const id = newId('message', at === undefined ? {} : { now: () => at.getTime() });
    return {
      id,
      // The time in the id, so that a message's timestamp and its id (a list's time bounds)
      // never disagree.
      created_at: idTime(id).toISOString(),
      tenant_id: input.tenantId,
      app_id: input.appId,
      event_type: input.eventType,
      event_id: input.eventId,
      channels: input.channels,
      tags: input.tags,
      payload: input.payload,
      deliver_at: input.deliverAt?.toISOString() ?? null,
      retention_hours: input.payloadRetentionHours ?? null,
      delivery_ids: Array.from({ length: input.receiversAtMost }, () => newId('delivery')),
    };
  });
  const params = [JSON.stringify(rows)];
  const send = () =>
    db.$client.query<Written>({
      name: insertMessagesStatement,
      text: insertText(),
      values: params,
    });
  let result;
  try {
    result = await send().catch((error: unknown) => {
      // Postgres broke a deadlock (or a lock wait ran out) by rolling this statement back: it
      // is its own transaction, so nothing of it was written and it is sent once more, as it
      // is. The other side (the worker's partition maintenance waiting for `deliveries`, a
      // purge) holds its locks for a moment only; a second conflict is the caller's to answer
      // (the API: 503, retry).
      if (!isConflictError(error)) throw error;
      return send();
    });
  } catch (error) {
    // The only column left null by the statement is a delivery id it ran out of.
    if (isNotNullViolation(error, 'deliveries')) throw new DeliveryIdShortage({ cause: error });
    throw error;
  }
  const written = new Map(result.rows.map((row) => [row.id, row]));
  return list.map((input, i): MessageCreate => {
    const row = rows[i];
    const done = row && written.get(row.id);
    if (done?.gone === true) return { ok: false, reason: 'application_deleted' };
    if (row === undefined || done === undefined) {
      return { ok: false, reason: 'duplicate_event_id' };
    }
    const message: MessageRow = {
      id: row.id,
      tenantId: input.tenantId,
      appId: input.appId,
      eventType: input.eventType,
      eventId: input.eventId,
      channels: input.channels,
      tags: input.tags,
      payload: input.payload,
      deliverAt: input.deliverAt,
      expungedAt: null,
      createdAt: new Date(row.created_at),
    };
    const made: NewDelivery[] = (done.deliveries ?? []).map(([id, endpointId]) => ({
      id,
      endpointId,
    }));
    return { ok: true, message, deliveries: made };
  });
}

/**
 * For each application, how many of its endpoints are live and enabled: an upper bound on the
 * receivers of any message to it (`IngestMessage.receiversAtMost`). Applications without
 * any count 0.
 */
export async function countLiveEndpoints(
  db: DbOrTx,
  appIds: readonly Id<'application'>[],
): Promise<Map<Id<'application'>, number>> {
  const counts = new Map<Id<'application'>, number>(appIds.map((id) => [id, 0]));
  if (appIds.length === 0) return counts;
  const rows = await db
    .select({ appId: endpoints.appId, count: count() })
    .from(endpoints)
    .where(
      and(
        inArray(endpoints.appId, [...counts.keys()]),
        isNull(endpoints.deletedAt),
        eq(endpoints.disabled, false),
      ),
    )
    .groupBy(endpoints.appId);
  for (const row of rows) counts.set(row.appId, row.count);
  return counts;
}
