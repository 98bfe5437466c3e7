import { newId, type Id } from '@hookrail/ids';
import { and, eq, isNull } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { apiKeys, tenants, type ApiKeyRow } from '../schema/index.ts';
import { keyset, type Page, type PageRequest } from './pagination.ts';
import { hashToken, newToken } from './tokens.ts';

/** Tenant API keys start with this, so a leaked one is easy to recognise in a scan. */
export const apiKeyPrefix = 'hrk';
const shownChars = apiKeyPrefix.length + 1 + 8;

/** Makes a new key; the returned `key` is the only copy of it there will ever be. */
export async function issueApiKey(
  db: DbOrTx,
  input: { tenantId: Id<'tenant'>; name: string },
): Promise<{ row: ApiKeyRow; key: string }> {
  const key = newToken(apiKeyPrefix);
  const [row] = await db
    .insert(apiKeys)
    .values({
      id: newId('apiKey'),
      tenantId: input.tenantId,
      name: input.name,
      prefix: key.slice(0, shownChars),
      tokenHash: hashToken(key),
    })
    .returning();
  if (!row) throw new Error('insert returned no api key row');
  return { row, key };
}

export async function listApiKeys(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  request: PageRequest,
): Promise<Page<ApiKeyRow>> {
  const page = keyset(apiKeys.id, request);
  const rows = await db
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), page.where))
    .orderBy(page.orderBy)
    .limit(page.limit);
  return page.page(rows, (row) => row.id);
}

/** Revokes a key at once; it stays listed with `revokedAt`. False when there is no such key. */
export async function revokeApiKey(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  keyId: Id<'apiKey'>,
): Promise<boolean> {
  const revoked = await db
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  if (revoked.length > 0) return true;
  // Revoking twice is not an error.
  const [existing] = await db
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, keyId)));
  return existing !== undefined;
}

/** The tenant a live key belongs to; undefined for an unknown or revoked key, or a deleted tenant. */
export async function authenticateApiKey(
  db: DbOrTx,
  key: string,
): Promise<{ tenantId: Id<'tenant'>; keyId: Id<'apiKey'> } | undefined> {
  const [row] = await db
    .select({ tenantId: apiKeys.tenantId, keyId: apiKeys.id })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(
      and(
        eq(apiKeys.tokenHash, hashToken(key)),
        isNull(apiKeys.revokedAt),
        isNull(tenants.deletedAt),
      ),
    );
  return row;
}

/**
 * The key of a dashboard session, while it is live (not revoked, tenant not deleted): a session
 * lasts no longer than the key it was signed in with.
 */
export async function findLiveApiKey(
  db: DbOrTx,
  keyId: Id<'apiKey'>,
): Promise<{ tenantId: Id<'tenant'>; keyId: Id<'apiKey'>; tenantName: string } | undefined> {
  const [row] = await db
    .select({ tenantId: apiKeys.tenantId, keyId: apiKeys.id, tenantName: tenants.name })
    .from(apiKeys)
    .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
    .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt), isNull(tenants.deletedAt)));
  return row;
}
