import type { Id } from '@hookrail/ids';
import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { applications } from './applications.ts';
import { createdAt, sortableText, timestamptz, updatedAt } from './columns.ts';
import { tenants } from './tenants.ts';

/**
 * A subscriber URL of an application. Deleting one sets `deleted_at` (its deliveries keep
 * pointing at it and are listed as canceled); every read of live endpoints filters on it.
 */
export const endpoints = pgTable(
  'endpoints',
  {
    id: sortableText('id').$type<Id<'endpoint'>>().primaryKey(),
    tenantId: sortableText('tenant_id')
      .$type<Id<'tenant'>>()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    appId: sortableText('app_id')
      .$type<Id<'application'>>()
      .notNull()
      .references(() => applications.id, { onDelete: 'cascade' }),
    uid: text('uid'),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    /** Event types this endpoint receives; null receives every type. */
    filterTypes: text('filter_types').array(),
    /** Channels this endpoint listens to; null receives messages of any channel. */
    channels: text('channels').array(),
    disabled: boolean('disabled').notNull().default(false),
    /** Requests per second; null is unlimited. */
    rateLimit: integer('rate_limit'),
    /** Extra request headers sent with every delivery. */
    headers: jsonb('headers').$type<Record<string, string>>().notNull().default({}),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    deletedAt: timestamptz('deleted_at'),
  },
  (t) => [
    uniqueIndex('endpoints_app_uid_key')
      .on(t.appId, t.uid)
      .where(sql`${t.deletedAt} is null`),
    index('endpoints_app_id_idx').on(t.appId, t.id),
    index('endpoints_tenant_id_idx').on(t.tenantId, t.id),
  ],
);

export type EndpointRow = typeof endpoints.$inferSelect;
