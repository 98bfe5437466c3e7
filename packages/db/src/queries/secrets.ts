import type { Id } from '@hookrail/ids';
import { newId } from '@hookrail/ids';
import { and, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import { endpointSecrets } from '../schema/index.ts';
import type { SecretMaterial } from './endpoints.ts';

/**
 * Makes `secret` the endpoint's current secret. The previous current one keeps signing for
 * `graceMs` more (0 retires it at once), so receivers can switch over without a gap; each
 * live secret adds its own signature to a delivery. Secrets whose grace is over are dropped.
 * One transaction: there is never a moment without a current secret.
 */
export async function rotateSecret(
  db: Db,
  scope: { tenantId: Id<'tenant'>; endpointId: Id<'endpoint'> },
  secret: SecretMaterial,
  graceMs: number,
): Promise<void> {
  await db.transaction(async (tx) => {
    const mine = and(
      eq(endpointSecrets.tenantId, scope.tenantId),
      eq(endpointSecrets.endpointId, scope.endpointId),
    );
    await tx.delete(endpointSecrets).where(and(mine, lt(endpointSecrets.expiresAt, sql`now()`)));
    await tx
      .update(endpointSecrets)
      .set({ expiresAt: sql`now() + ${graceMs} * interval '1 millisecond'` })
      .where(and(mine, isNull(endpointSecrets.expiresAt)));
    await tx.insert(endpointSecrets).values({ id: newId('endpointSecret'), ...scope, ...secret });
  });
}

/** Drops secrets whose grace period is over, everywhere; returns how many. */
export async function deleteExpiredSecrets(db: DbOrTx): Promise<number> {
  const deleted = await db.delete(endpointSecrets).where(lt(endpointSecrets.expiresAt, sql`now()`));
  return deleted.rowCount ?? 0;
}
