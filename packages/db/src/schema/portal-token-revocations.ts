import { index, pgTable, text } from 'drizzle-orm/pg-core';
import { applicationRef } from './applications.ts';
import { createdAt, timestamptz } from './columns.ts';
import { tenantRef } from './tenants.ts';

/**
 * App portal tokens revoked before they expire (logout, expire-all). Portal tokens are
 * stateless JWTs, so revocation lives here, where every API instance sees it: a token of the
 * application issued before `issuedBefore` is refused from `effectiveAt` on, when it matches
 * `tokenId` and `sessionId` (null matches any). A row whose `issuedBefore` is over 7 days old
 * (the longest a token lasts) matches only expired tokens; the next revocation of its
 * application deletes it.
 */
export const portalTokenRevocations = pgTable(
  'portal_token_revocations',
  {
    tenantId: tenantRef(),
    appId: applicationRef(),
    /** The one token logged out (its `jti`); null for expire-all. */
    tokenId: text('token_id'),
    /** Only tokens issued with this session id; null for every session. */
    sessionId: text('session_id'),
    issuedBefore: timestamptz('issued_before').notNull(),
    effectiveAt: timestamptz('effective_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('portal_token_revocations_app_idx').on(t.appId)],
);
