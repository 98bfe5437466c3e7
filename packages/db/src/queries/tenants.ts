import { newId, type Id } from '@hookrail/ids';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import { tenants, type ApiKeyRow, type TenantRow } from '../schema/index.ts';
import { issueApiKey } from './api-keys.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';

/** Creates a tenant and its first API key together: a tenant is never left without one. */
export async function createTenant(
  db: Db,
  input: { name: string },
): Promise<{ tenant: TenantRow; apiKey: ApiKeyRow; key: string }> {
  return db.transaction(async (tx) => {
    const [tenant] = await tx
      .insert(tenants)
      .values({ id: newId('tenant'), name: input.name })
      .returning();
    if (!tenant) throw new Error('insert returned no tenant row');
    const { row, key } = await issueApiKey(tx, { tenantId: tenant.id, name: 'default' });
    return { tenant, apiKey: row, key };
  });
}

/** A tenant that is not deleted. */
export async function getTenant(db: DbOrTx, id: Id<'tenant'>): Promise<TenantRow | undefined> {
  const [row] = await db
    .select()
    .from(tenants)
    .where(and(eq(tenants.id, id), isNull(tenants.deletedAt)));
  return row;
}

export async function listTenants(db: DbOrTx, request: PageRequest): Promise<Page<TenantRow>> {
  const page = keyset(tenants.id, request);
  const rows = await db
    .select()
    .from(tenants)
    .where(and(isNull(tenants.deletedAt), page.where))
    .orderBy(page.orderBy)
    .limit(page.limit);
  return page.page(rows, (row) => row.id);
}

export interface TenantSettings {
  headerStyle: 'webhook' | 'svix';
  validateSchemas: boolean;
  /** Messages per second this tenant may send; null: the API's default. */
  ingestRate: number | null;
  /** Messages at once over that rate; null: the API's default. */
  ingestBurst: number | null;
}

/** Changes the name and the given settings; undefined when there is no such tenant. */
export async function updateTenant(
  db: DbOrTx,
  id: Id<'tenant'>,
  change: { name?: string | undefined } & Partial<TenantSettings>,
): Promise<TenantRow | undefined> {
  const [row] = await db
    .update(tenants)
    .set({ ...change, updatedAt: sql`now()` })
    .where(and(eq(tenants.id, id), isNull(tenants.deletedAt)))
    .returning();
  return row;
}
