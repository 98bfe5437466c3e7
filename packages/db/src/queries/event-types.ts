import type { Id } from '@hookrail/ids';
import { and, eq, getTableColumns, inArray, sql, type SQL } from 'drizzle-orm';
import type { DbOrTx, Tx } from '../client.ts';
import { eventTypes, type EventTypeRow } from '../schema/index.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';

export interface EventTypeFields {
  description: string;
  schemas: Record<string, unknown> | null;
  archived: boolean;
  deprecated: boolean;
  featureFlag: string | null;
  featureFlags: string[] | null;
  groupName: string | null;
}

function byName(tenantId: Id<'tenant'>, name: string) {
  return and(eq(eventTypes.tenantId, tenantId), eq(eventTypes.name, name));
}

/** The tenant has `limit` event types already, archived ones included (422). */
export interface TooManyEventTypes {
  ok: false;
  reason: 'too_many_event_types';
  limit: number;
}

/**
 * Locks the tenant's row, so that writes counted at once cannot pass the bound, and tells
 * whether the tenant has room for an event type named `name` (always, when it exists).
 */
async function hasRoom(tx: Tx, tenantId: Id<'tenant'>, name: string, max: number) {
  await tx.execute(sql`select 1 from tenants where id = ${tenantId} for update`);
  const [row] = await tx
    .select({
      n: sql<number>`count(*)::int`,
      named: sql<boolean>`coalesce(bool_or(${eventTypes.name} = ${name}), false)`,
    })
    .from(eventTypes)
    .where(eq(eventTypes.tenantId, tenantId));
  return row !== undefined && (row.named || row.n < max);
}

/** Undefined when the tenant already has an event type of that name (409). */
export async function createEventType(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  name: string,
  fields: EventTypeFields,
  options: { maxPerTenant?: number } = {},
): Promise<EventTypeRow | undefined | TooManyEventTypes> {
  return db.transaction(async (tx) => {
    const max = options.maxPerTenant;
    if (max !== undefined && !(await hasRoom(tx, tenantId, name, max))) {
      return { ok: false, reason: 'too_many_event_types', limit: max };
    }
    const [row] = await tx
      .insert(eventTypes)
      .values({ tenantId, name, ...fields })
      .onConflictDoNothing()
      .returning();
    return row;
  });
}

/**
 * Event types behind feature flags (Svix's `featureFlag`, and `featureFlags`) show only to
 * callers holding one of their flags: `flags` given, a portal token's; absent, every type shows.
 */
function flagged(flags: readonly string[] | undefined): SQL | undefined {
  if (flags === undefined) return undefined;
  const held = sql`${sql.param([...flags])}::text[]`;
  return sql`((${eventTypes.featureFlag} is null or ${eventTypes.featureFlag} = any(${held}))
    and (coalesce(cardinality(${eventTypes.featureFlags}), 0) = 0
         or ${eventTypes.featureFlags} && ${held}))`;
}

export async function getEventType(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  name: string,
  visibleTo?: { flags: readonly string[] },
): Promise<EventTypeRow | undefined> {
  const [row] = await db
    .select()
    .from(eventTypes)
    .where(and(byName(tenantId, name), flagged(visibleTo?.flags)));
  return row;
}

export async function listEventTypes(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  request: PageRequest & { includeArchived: boolean; visibleTo?: { flags: readonly string[] } },
): Promise<Page<EventTypeRow>> {
  const page = keyset(eventTypes.name, request);
  const rows = await db
    .select()
    .from(eventTypes)
    .where(
      and(
        eq(eventTypes.tenantId, tenantId),
        request.includeArchived ? undefined : eq(eventTypes.archived, false),
        flagged(request.visibleTo?.flags),
        page.where,
      ),
    )
    .orderBy(page.orderBy)
    .limit(page.limit);
  return page.page(rows, (row) => row.name);
}

/** Sets the given fields; undefined when there is no such event type. */
export async function updateEventType(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  name: string,
  fields: Partial<EventTypeFields>,
): Promise<EventTypeRow | undefined> {
  const [row] = await db
    .update(eventTypes)
    .set({ ...fields, updatedAt: sql`now()` })
    .where(byName(tenantId, name))
    .returning();
  return row;
}

/**
 * Creates or replaces an event type in one statement, so concurrent PUTs of one name do not
 * fail; `created` tells which happened. Absent `schemas` are kept (null when created): a
 * replace that does not mention them must not turn payload validation off.
 */
export async function upsertEventType(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  name: string,
  fields: Omit<EventTypeFields, 'schemas'> & { schemas?: EventTypeFields['schemas'] },
  options: { maxPerTenant?: number } = {},
): Promise<{ row: EventTypeRow; created: boolean } | TooManyEventTypes> {
  const max = options.maxPerTenant;
  if (max !== undefined) {
    return db.transaction(async (tx) =>
      (await hasRoom(tx, tenantId, name, max))
        ? upsertEventType(tx, tenantId, name, fields)
        : { ok: false, reason: 'too_many_event_types', limit: max },
    );
  }
  const [result] = await db
    .insert(eventTypes)
    .values({ tenantId, name, ...fields })
    .onConflictDoUpdate({
      target: [eventTypes.tenantId, eventTypes.name],
      set: { ...fields, updatedAt: sql`now()` },
    })
    // xmax is 0 on a freshly inserted row version and set on one that replaced another.
    .returning({ ...getTableColumns(eventTypes), created: sql<boolean>`(xmax = 0)` });
  if (!result) throw new Error('upsert returned no event type row');
  const { created, ...row } = result;
  return { row, created };
}

/** Removes the row for good. False when there is no such event type. */
export async function expungeEventType(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  name: string,
): Promise<boolean> {
  const deleted = await db
    .delete(eventTypes)
    .where(byName(tenantId, name))
    .returning({ name: eventTypes.name });
  return deleted.length > 0;
}

/** The names among `names` that are not live (missing or archived) event types of the tenant. */
export async function missingEventTypes(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  names: readonly string[],
): Promise<string[]> {
  if (names.length === 0) return [];
  const found = await db
    .select({ name: eventTypes.name })
    .from(eventTypes)
    .where(
      and(
        eq(eventTypes.tenantId, tenantId),
        inArray(eventTypes.name, [...names]),
        eq(eventTypes.archived, false),
      ),
    );
  const live = new Set(found.map((row) => row.name));
  return names.filter((name) => !live.has(name));
}
