import { isId, newId, type Id } from '@hookrail/ids';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { isUniqueViolation } from '../errors.ts';
import { applications, type ApplicationRow } from '../schema/index.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';

export interface ApplicationFields {
  name: string;
  uid: string | null;
  rateLimit: number | null;
  metadata: Record<string, string>;
}

export type ApplicationWrite =
  | { ok: true; app: ApplicationRow }
  /** Another application of the tenant has this uid (409). */
  | { ok: false; reason: 'uid_taken' };

const uidConstraint = 'applications_tenant_uid_key';

/** The tenant's applications the API shows: not the system one, not deleted ones. */
function visible(tenantId: Id<'tenant'>) {
  return and(
    eq(applications.tenantId, tenantId),
    eq(applications.system, false),
    isNull(applications.deletedAt),
  );
}

/** Scopes a lookup by id or by the tenant's uid; a string shaped like an id is an id. */
function byRef(tenantId: Id<'tenant'>, ref: string) {
  return and(
    visible(tenantId),
    isId('application', ref) ? eq(applications.id, ref) : eq(applications.uid, ref),
  );
}

export async function createApplication(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  fields: ApplicationFields,
): Promise<ApplicationWrite> {
  const [app] = await db
    .insert(applications)
    .values({ id: newId('application'), tenantId, ...fields })
    .onConflictDoNothing({ target: [applications.tenantId, applications.uid] })
    .returning();
  return app === undefined ? { ok: false, reason: 'uid_taken' } : { ok: true, app };
}

export async function findApplication(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  ref: string,
): Promise<ApplicationRow | undefined> {
  const [app] = await db.select().from(applications).where(byRef(tenantId, ref)).limit(1);
  return app;
}

export async function listApplications(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  request: PageRequest,
): Promise<Page<ApplicationRow>> {
  const page = keyset(applications.id, request);
  const rows = await db
    .select()
    .from(applications)
    .where(and(visible(tenantId), page.where))
    .orderBy(page.orderBy)
    .limit(page.limit);
  return page.page(rows, (row) => row.id);
}

/** Sets the given fields; absent ones keep their value. */
export async function updateApplication(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  id: Id<'application'>,
  fields: Partial<ApplicationFields>,
): Promise<ApplicationWrite | undefined> {
  try {
    const [app] = await db
      .update(applications)
      .set({ ...fields, updatedAt: sql`now()` })
      .where(and(visible(tenantId), eq(applications.id, id)))
      .returning();
    return app === undefined ? undefined : { ok: true, app };
  } catch (error) {
    if (isUniqueViolation(error, uidConstraint)) return { ok: false, reason: 'uid_taken' };
    throw error;
  }
}

/**
 * The tenant's operational-webhook application, created on first use (`create`). One per
 * tenant: concurrent first uses agree on one row (a partial unique index).
 */
export async function systemApplication(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  create: boolean,
): Promise<ApplicationRow | undefined> {
  const find = async () =>
    (
      await db
        .select()
        .from(applications)
        .where(and(eq(applications.tenantId, tenantId), eq(applications.system, true)))
    )[0];
  const existing = await find();
  if (existing !== undefined || !create) return existing;
  await db
    .insert(applications)
    .values({
      id: newId('application'),
      tenantId,
      name: 'Operational webhooks',
      uid: null,
      rateLimit: null,
      system: true,
    })
    .onConflictDoNothing();
  return find();
}
