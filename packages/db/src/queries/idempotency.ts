import type { Id } from '@hookrail/ids';
import { and, eq, sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import type { DbOrTx } from '../client.ts';
import { idempotencyKeys } from '../schema/index.ts';

export type IdempotencyClaim =
  /**
   * This request holds the key: do the work, then `completeIdempotencyKey` or release it,
   * with this token.
   */
  | { kind: 'claimed'; token: string }
  /** The key's first request finished: answer with its response. */
  | { kind: 'replay'; status: number; body: string }
  /** The key was used with a different request (409). */
  | { kind: 'mismatch' }
  /** Another request with this key is still running. */
  | { kind: 'in_progress' };

/**
 * A claim that is still `in_progress` after this long belongs to a request that died (its
 * process crashed); the key may be claimed again.
 */
export const abandonedAfterSeconds = 60;

/**
 * Whose key: the tenant, and within it `tenant` (API keys) or an application's id (an app
 * portal token). Every statement below is confined to one namespace.
 */
export interface IdempotencyNamespace {
  tenantId: Id<'tenant'>;
  scope: string;
}

function inNamespace(input: IdempotencyNamespace & { key: string }) {
  return and(
    eq(idempotencyKeys.tenantId, input.tenantId),
    eq(idempotencyKeys.scope, input.scope),
    eq(idempotencyKeys.key, input.key),
  );
}

export async function claimIdempotencyKey(
  db: DbOrTx,
  input: IdempotencyNamespace & { key: string; fingerprint: string; ttlMs: number },
): Promise<IdempotencyClaim> {
  // Insert, or take over an expired or abandoned record, in one statement: two racing
  // requests cannot both claim the key.
  const token = randomBytes(12).toString('base64url');
  const claimed = await db
    .insert(idempotencyKeys)
    .values({
      tenantId: input.tenantId,
      scope: input.scope,
      key: input.key,
      fingerprint: input.fingerprint,
      status: 'in_progress',
      claimToken: token,
      expiresAt: sql`now() + ${input.ttlMs} * interval '1 millisecond'`,
    })
    .onConflictDoUpdate({
      target: [idempotencyKeys.tenantId, idempotencyKeys.scope, idempotencyKeys.key],
      set: {
        fingerprint: input.fingerprint,
        status: 'in_progress',
        claimToken: token,
        responseStatus: null,
        responseBody: null,
        createdAt: sql`now()`,
        expiresAt: sql`excluded.expires_at`,
      },
      setWhere: sql`${idempotencyKeys.expiresAt} < now() or (${idempotencyKeys.status} = 'in_progress'
        and ${idempotencyKeys.createdAt} < now() - ${abandonedAfterSeconds} * interval '1 second')`,
    })
    .returning({ key: idempotencyKeys.key });
  if (claimed.length > 0) return { kind: 'claimed', token };

  const [existing] = await db.select().from(idempotencyKeys).where(inNamespace(input));
  // Released between the two statements: the caller tries again.
  if (existing === undefined) return { kind: 'in_progress' };
  if (existing.fingerprint !== input.fingerprint) return { kind: 'mismatch' };
  if (existing.status === 'in_progress') return { kind: 'in_progress' };
  return {
    kind: 'replay',
    status: existing.responseStatus ?? 200,
    body: existing.responseBody ?? '',
  };
}

/** Stores the response of the request that holds the key (if it still holds it). */
export async function completeIdempotencyKey(
  db: DbOrTx,
  input: IdempotencyNamespace & { key: string; token: string; status: number; body: string },
): Promise<void> {
  await db
    .update(idempotencyKeys)
    .set({ status: 'completed', responseStatus: input.status, responseBody: input.body })
    .where(
      and(
        inNamespace(input),
        eq(idempotencyKeys.status, 'in_progress'),
        eq(idempotencyKeys.claimToken, input.token),
      ),
    );
}

/** Gives the key up after a failure (5xx), so that a retry with it does the work. */
export async function releaseIdempotencyKey(
  db: DbOrTx,
  input: IdempotencyNamespace & { key: string; token: string },
): Promise<void> {
  await db
    .delete(idempotencyKeys)
    .where(
      and(
        inNamespace(input),
        eq(idempotencyKeys.status, 'in_progress'),
        eq(idempotencyKeys.claimToken, input.token),
      ),
    );
}

/** Deletes up to `limit` expired records (a bounded statement); returns how many. */
export async function deleteExpiredIdempotencyKeys(db: DbOrTx, limit = 10_000): Promise<number> {
  const result = await db.execute(sql`
    delete from ${idempotencyKeys} where (tenant_id, scope, key) in (
      select tenant_id, scope, key from ${idempotencyKeys} where expires_at < now() limit ${limit})`);
  return result.rowCount ?? 0;
}
