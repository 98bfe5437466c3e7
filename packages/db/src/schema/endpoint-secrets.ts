import type { Id } from '@hookrail/ids';
import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, sortableText, timestamptz } from './columns.ts';
import { endpoints } from './endpoints.ts';
import { tenants } from './tenants.ts';

/**
 * Signing secrets of an endpoint, kept apart so that rotation can hold several: the current
 * one has `expires_at` null (at most one per endpoint), older ones sign alongside it until
 * `expires_at`.
 */
export const endpointSecrets = pgTable(
  'endpoint_secrets',
  {
    id: sortableText('id').$type<Id<'endpointSecret'>>().primaryKey(),
    tenantId: sortableText('tenant_id')
      .$type<Id<'tenant'>>()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    endpointId: sortableText('endpoint_id')
      .$type<Id<'endpoint'>>()
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    /** `hmac` (Standard Webhooks `v1`). */
    kind: text('kind').$type<'hmac'>().notNull(),
    /** The key material, base64. */
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
