import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, idOf, primaryId, timestamptz } from './columns.ts';
import { endpoints } from './endpoints.ts';
import { tenantRef } from './tenants.ts';

/**
 * Signing secrets of an endpoint, kept apart so that rotation can hold several: the current
 * one has `expires_at` null (at most one per endpoint), older ones sign alongside it until
 * `expires_at`.
 */
export const endpointSecrets = pgTable(
  'endpoint_secrets',
  {
    id: primaryId('endpointSecret'),
    tenantId: tenantRef(),
    endpointId: idOf('endpoint', 'endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    /** `hmac` (Standard Webhooks `v1`) or `ed25519` (`v1a`). */
    kind: text('kind').$type<'hmac' | 'ed25519'>().notNull(),
    /** The key material, sealed by the vault (AES-256-GCM); see @hookrail/secrets. */
    key: text('key').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamptz('expires_at'),
  },
  (t) => [
    uniqueIndex('endpoint_secrets_current_key')
      .on(t.endpointId)
      .where(sql`${t.expiresAt} is null`),
    index('endpoint_secrets_endpoint_idx').on(t.endpointId),
  ],
);

export type EndpointSecretRow = typeof endpointSecrets.$inferSelect;
