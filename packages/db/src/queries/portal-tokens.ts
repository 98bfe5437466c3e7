import type { Id } from '@hookrail/ids';
import { and, eq, gt, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { portalTokenRevocations } from '../schema/index.ts';

/** What identifies an app portal token for revocation. */
export interface PortalTokenRef {
  tenantId: Id<'tenant'>;
  appId: Id<'application'>;
  tokenId: string;
  sessionId: string | undefined;
  issuedAt: Date;
}

/**
 * Portal tokens last at most 7 days, so a revocation of tokens issued more than 7 days ago
 * matches only expired ones: each new revocation of the application removes those.
 */
async function pruneRevocations(db: DbOrTx, appId: Id<'application'>): Promise<void> {
  await db
    .delete(portalTokenRevocations)
    .where(
      and(
        eq(portalTokenRevocations.appId, appId),
        lt(portalTokenRevocations.issuedBefore, sql`now() - interval '7 days'`),
      ),
    );
}

/** Logout: the one token stops working at once. */
export async function revokePortalToken(db: DbOrTx, token: PortalTokenRef): Promise<void> {
  await pruneRevocations(db, token.appId);
  await db.insert(portalTokenRevocations).values({
    tenantId: token.tenantId,
    appId: token.appId,
    tokenId: token.tokenId,
    sessionId: null,
    // Strictly after its issue time, so the row matches it.
    issuedBefore: new Date(token.issuedAt.getTime() + 1),
    effectiveAt: sql`now()`,
  });
}

/**
 * Expire-all: every token of the application issued until now (only those of the given
 * sessions, when some are named) stops working after `delaySeconds`.
 */
export async function revokeApplicationTokens(
  db: DbOrTx,
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  options: { sessionIds: string[] | undefined; delaySeconds: number },
): Promise<void> {
  const sessions = options.sessionIds?.length ? options.sessionIds : [null];
  await pruneRevocations(db, scope.appId);
  await db.insert(portalTokenRevocations).values(
    sessions.map((sessionId) => ({
      ...scope,
      tokenId: null,
      sessionId,
      issuedBefore: sql`now()`,
      effectiveAt: sql`now() + make_interval(secs => ${options.delaySeconds})`,
    })),
  );
}

/** Whether a revocation in force matches the token. */
export async function isPortalTokenRevoked(db: DbOrTx, token: PortalTokenRef): Promise<boolean> {
  const t = portalTokenRevocations;
  const [row] = await db
    .select({ one: sql`1` })
    .from(t)
    .where(
      and(
        eq(t.tenantId, token.tenantId),
        eq(t.appId, token.appId),
        gt(t.issuedBefore, token.issuedAt),
        lte(t.effectiveAt, sql`now()`),
        or(isNull(t.tokenId), eq(t.tokenId, token.tokenId)),
        token.sessionId === undefined
          ? isNull(t.sessionId)
          : or(isNull(t.sessionId), eq(t.sessionId, token.sessionId)),
      ),
    )
    .limit(1);
  return row !== undefined;
}
