import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, primaryId, timestamptz } from './columns.ts';
import { tenantRef } from './tenants.ts';

/**
 * Tenant API keys. Only a SHA-256 of the key is stored (keys carry 256 random bits, so a
 * fast hash is enough); `prefix` is the start of the key, shown so people can tell keys apart.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: primaryId('apiKey'),
    tenantId: tenantRef(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    revokedAt: timestamptz('revoked_at'),
  },
  (t) => [
    uniqueIndex('api_keys_token_hash_key').on(t.tokenHash),
    index('api_keys_tenant_id_idx').on(t.tenantId, t.id),
  ],
);

export type ApiKeyRow = typeof apiKeys.$inferSelect;
