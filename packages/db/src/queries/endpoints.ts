import { isId, newId, type Id } from '@hookrail/ids';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx, Tx } from '../client.ts';
import { isUniqueViolation } from '../errors.ts';
import { endpointSecrets, endpoints, type EndpointRow } from '../schema/index.ts';
import { cancelEndpointDeliveries, type Cancellation } from './deliveries.ts';
import { missingEventTypes } from './event-types.ts';
import type { NewDelivery } from './messages.ts';
import { emitOperationalEvents, type OperationalEvent } from './operational-events.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';

export interface EndpointFields {
  uid: string | null;
  url: string;
  description: string;
  filterTypes: string[] | null;
  channels: string[] | null;
  disabled: boolean;
  rateLimit: number | null;
  /** Requests in flight at once; null is the installation's default. */
  maxInflight: number | null;
  headers: Record<string, string>;
  metadata: Record<string, string>;
}

/** What a write does besides the endpoint itself. */
export interface EndpointWriteOptions {
  /**
   * The names a filter may use. By default, the tenant's live event types; operational
   * endpoints pass the operational event types instead.
   */
  allowedFilterTypes?: readonly string[];
  /**
   * Announces the change (`endpoint.created`, `.updated`, `.deleted`) to the tenant's
   * operational webhooks, inside the write's transaction, so the event commits with the change.
   * Operational endpoints themselves are written without it.
   */
  announce?: { appUid: string | null };
}

/** What a write announced, for the caller to pass on once it has committed. */
export interface Announced {
  /** Deliveries of the operational webhooks, to be queued. */
  followUps: NewDelivery[];
  /** The operational events raised, for the status stream (whether or not anyone receives them as webhooks). */
  raised: { tenantId: Id<'tenant'>; event: OperationalEvent }[];
}

/**
 * The operational events of a change to a tenant endpoint; their deliveries are the follow-ups.
 * An update that disabled or enabled the endpoint also raises `endpoint.disabled` (trigger
 * `manual`, as Svix) or `endpoint.enabled`, after `endpoint.updated`.
 */
async function announced(
  tx: Tx,
  endpoint: EndpointRow,
  change: 'created' | 'updated' | 'deleted',
  options: EndpointWriteOptions,
  toggled?: 'disabled' | 'enabled',
): Promise<Announced> {
  if (options.announce === undefined) return { followUps: [], raised: [] };
  const ref = {
    appId: endpoint.appId,
    appUid: options.announce.appUid,
    endpointId: endpoint.id,
    endpointUid: endpoint.uid,
  };
  const events: OperationalEvent[] = [{ type: `endpoint.${change}`, data: ref }];
  if (toggled === 'enabled') events.push({ type: 'endpoint.enabled', data: ref });
  if (toggled === 'disabled') {
    events.push({
      type: 'endpoint.disabled',
      data: {
        ...ref,
        failSince: endpoint.failingSince?.toISOString() ?? null,
        trigger: 'manual',
      },
    });
  }
  const followUps = await emitOperationalEvents(tx, endpoint.tenantId, events);
  return { followUps, raised: events.map((event) => ({ tenantId: endpoint.tenantId, event })) };
}

export interface SecretMaterial {
  kind: 'hmac' | 'ed25519';
  /** The key bytes, sealed by the vault. */
  key: string;
}

export type EndpointWrite =
  | ({ ok: true; endpoint: EndpointRow } & Announced)
  /** Another live endpoint of the application has this uid (409). */
  | { ok: false; reason: 'uid_taken' }
  /** The filter names event types the tenant does not have, or has archived (422). */
  | { ok: false; reason: 'unknown_event_types'; names: string[] }
  /** The application already has `limit` live endpoints (422). */
  | { ok: false; reason: 'too_many_endpoints'; limit: number };

const uidConstraint = 'endpoints_app_uid_key';

function live(tenantId: Id<'tenant'>, appId: Id<'application'>) {
  return and(
    eq(endpoints.tenantId, tenantId),
    eq(endpoints.appId, appId),
    isNull(endpoints.deletedAt),
  );
}

async function unknownFilterTypes(
  tx: Tx,
  tenantId: Id<'tenant'>,
  names: readonly string[],
  options: EndpointWriteOptions,
): Promise<string[]> {
  const allowed = options.allowedFilterTypes;
  if (allowed !== undefined) return names.filter((name) => !allowed.includes(name));
  return missingEventTypes(tx, tenantId, names);
}

/**
 * Extra columns when `disabled` is set through the API: disabling records it as manual;
 * enabling starts the endpoint afresh (no failure run, breaker closed).
 */
function disabledColumns(disabled: boolean | undefined) {
  if (disabled === true) {
    return {
      disabledReason: sql`case when ${endpoints.disabled} then ${endpoints.disabledReason} else 'manual' end`,
      disabledAt: sql`coalesce(${endpoints.disabledAt}, now())`,
    };
  }
  if (disabled === false) {
    return {
      disabledReason: null,
      disabledAt: null,
      consecutiveFailures: 0,
      failingSince: null,
      breakerState: 'closed' as const,
    };
  }
  return {};
}

/**
 * Creates the endpoint and its first signing secret in one transaction: an endpoint never
 * exists without a secret. Checks of the filter happen first, so a refused create writes
 * nothing.
 */
export async function createEndpoint(
  db: Db,
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  fields: EndpointFields,
  secret: SecretMaterial,
  options: EndpointWriteOptions & { maxPerApp?: number } = {},
): Promise<EndpointWrite> {
  try {
    return await db.transaction(async (tx): Promise<EndpointWrite> => {
      if (options.maxPerApp !== undefined) {
        // The application row is locked so that creates counted at once cannot pass the bound.
        await tx.execute(sql`select 1 from applications where id = ${scope.appId} for update`);
        const [counted] = await tx
          .select({ n: sql<number>`count(*)::int` })
          .from(endpoints)
          .where(live(scope.tenantId, scope.appId));
        if ((counted?.n ?? 0) >= options.maxPerApp) {
          return { ok: false, reason: 'too_many_endpoints', limit: options.maxPerApp };
        }
      }
      const unknown = await unknownFilterTypes(
        tx,
        scope.tenantId,
        fields.filterTypes ?? [],
        options,
      );
      if (unknown.length > 0) return { ok: false, reason: 'unknown_event_types', names: unknown };
      const [endpoint] = await tx
        .insert(endpoints)
        .values({
          id: newId('endpoint'),
          ...scope,
          ...fields,
          ...(fields.disabled && { disabledReason: 'manual' as const, disabledAt: sql`now()` }),
        })
        .returning();
      if (!endpoint) throw new Error('insert returned no endpoint row');
      await tx.insert(endpointSecrets).values({
        id: newId('endpointSecret'),
        tenantId: scope.tenantId,
        endpointId: endpoint.id,
        ...secret,
      });
      return { ok: true, endpoint, ...(await announced(tx, endpoint, 'created', options)) };
    });
  } catch (error) {
    if (isUniqueViolation(error, uidConstraint)) return { ok: false, reason: 'uid_taken' };
    throw error;
  }
}

/** A live endpoint of the application, by id or uid. */
export async function findEndpoint(
  db: DbOrTx,
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  ref: string,
): Promise<EndpointRow | undefined> {
  const [row] = await db
    .select()
    .from(endpoints)
    .where(
      and(
        live(scope.tenantId, scope.appId),
        isId('endpoint', ref) ? eq(endpoints.id, ref) : eq(endpoints.uid, ref),
      ),
    )
    .limit(1);
  return row;
}

export async function listEndpoints(
  db: DbOrTx,
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  request: PageRequest,
): Promise<Page<EndpointRow>> {
  const page = keyset(endpoints.id, request);
  const rows = await db
    .select()
    .from(endpoints)
    .where(and(live(scope.tenantId, scope.appId), page.where))
    .orderBy(page.orderBy)
    .limit(page.limit);
  return page.page(rows, (row) => row.id);
}

/** Sets the given fields of a live endpoint; undefined when there is none. */
export async function updateEndpoint(
  db: Db,
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  id: Id<'endpoint'>,
  fields: Partial<EndpointFields>,
  options: EndpointWriteOptions = {},
): Promise<EndpointWrite | undefined> {
  try {
    return await db.transaction(async (tx): Promise<EndpointWrite | undefined> => {
      if (fields.filterTypes) {
        const unknown = await unknownFilterTypes(tx, scope.tenantId, fields.filterTypes, options);
        if (unknown.length > 0) return { ok: false, reason: 'unknown_event_types', names: unknown };
      }
      // Whether this write disables or enables it: the row as it was, locked until commit.
      const [before] =
        fields.disabled === undefined
          ? []
          : await tx
              .select({ disabled: endpoints.disabled })
              .from(endpoints)
              .where(and(live(scope.tenantId, scope.appId), eq(endpoints.id, id)))
              .for('update');
      const [endpoint] = await tx
        .update(endpoints)
        .set({ ...fields, ...disabledColumns(fields.disabled), updatedAt: sql`now()` })
        .where(and(live(scope.tenantId, scope.appId), eq(endpoints.id, id)))
        .returning();
      if (endpoint === undefined) return undefined;
      const toggled =
        before === undefined || before.disabled === endpoint.disabled
          ? undefined
          : endpoint.disabled
            ? 'disabled'
            : 'enabled';
      return {
        ok: true,
        endpoint,
        ...(await announced(tx, endpoint, 'updated', options, toggled)),
      };
    });
  } catch (error) {
    if (isUniqueViolation(error, uidConstraint)) return { ok: false, reason: 'uid_taken' };
    throw error;
  }
}

/**
 * Marks the endpoint deleted, drops its secrets and cancels what it still had to send, in one
 * transaction. The row stays so that its past deliveries can still name it. `deleted` is false
 * when there is no live endpoint of that id; `canceled` lists the deliveries canceled, `tasks`
 * the retry tasks that counted them.
 */
export async function deleteEndpoint(
  db: Db,
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  id: Id<'endpoint'>,
  options: EndpointWriteOptions = {},
): Promise<{ deleted: boolean } & Cancellation & Announced> {
  return db.transaction(async (tx) => {
    const [endpoint] = await tx
      .update(endpoints)
      .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
      .where(and(live(scope.tenantId, scope.appId), eq(endpoints.id, id)))
      .returning();
    if (endpoint === undefined) {
      return { deleted: false, canceled: [], tasks: [], followUps: [], raised: [] };
    }
    await tx.delete(endpointSecrets).where(eq(endpointSecrets.endpointId, id));
    const cancellation = await cancelEndpointDeliveries(tx, id);
    return {
      deleted: true,
      ...cancellation,
      ...(await announced(tx, endpoint, 'deleted', options)),
    };
  });
}

/** The secret that signs new deliveries (the one without an expiry). */
export async function currentSecret(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  endpointId: Id<'endpoint'>,
): Promise<SecretMaterial | undefined> {
  const [row] = await db
    .select({ kind: endpointSecrets.kind, key: endpointSecrets.key })
    .from(endpointSecrets)
    .where(
      and(
        eq(endpointSecrets.tenantId, tenantId),
        eq(endpointSecrets.endpointId, endpointId),
        isNull(endpointSecrets.expiresAt),
      ),
    );
  return row;
}

/**
 * Replaces the custom headers of a live endpoint, if they are still `expected` (a
 * compare-and-set: a caller that merged a change into what it read writes nothing when another
 * write came between). False when nothing was written: no such live endpoint, or the headers
 * changed meanwhile.
 */
export async function replaceEndpointHeaders(
  db: DbOrTx,
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  id: Id<'endpoint'>,
  headers: Record<string, string>,
  expected: Record<string, string>,
): Promise<boolean> {
  const rows = await db
    .update(endpoints)
    .set({ headers, updatedAt: sql`now()` })
    .where(
      and(
        live(scope.tenantId, scope.appId),
        eq(endpoints.id, id),
        sql`${endpoints.headers} = ${JSON.stringify(expected)}::jsonb`,
      ),
    )
    .returning({ id: endpoints.id });
  return rows.length > 0;
}

/** What admission needs to know of an endpoint; undefined when it no longer exists at all. */
export async function endpointLimits(
  db: DbOrTx,
  id: Id<'endpoint'>,
): Promise<{ rateLimit: number | null; maxInflight: number | null } | undefined> {
  const [row] = await db
    .select({ rateLimit: endpoints.rateLimit, maxInflight: endpoints.maxInflight })
    .from(endpoints)
    .where(eq(endpoints.id, id));
  return row;
}
