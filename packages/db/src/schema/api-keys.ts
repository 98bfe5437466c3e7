import type { Id } from '@hookrail/ids';
import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, sortableText, timestamptz } from './columns.ts';
import { tenants } from './tenants.ts';

/**
 * Tenant API keys. Only a SHA-256 of the key is stored (keys carry 256 random bits, so a
 * fast hash is enough); `prefix` is the start of the key, shown so people can tell keys apart.
 */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: sortableText('id').$type<Id<'apiKey'>>().primaryKey(),
    tenantId: sortableText('tenant_id')
      .$type<Id<'tenant'>>()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
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
