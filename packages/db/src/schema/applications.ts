import type { Id } from '@hookrail/ids';
import { index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, sortableText, updatedAt } from './columns.ts';
import { tenants } from './tenants.ts';

/** One customer of a tenant; `uid` is the tenant's own name for it, unique per tenant. */
export const applications = pgTable(
  'applications',
  {
    id: sortableText('id').$type<Id<'application'>>().primaryKey(),
    tenantId: sortableText('tenant_id')
      .$type<Id<'tenant'>>()
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    uid: text('uid'),
    name: text('name').notNull(),
    /** Messages per second across the application's endpoints; null is unlimited. */
    rateLimit: integer('rate_limit'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('applications_tenant_uid_key').on(t.tenantId, t.uid),
    index('applications_tenant_id_idx').on(t.tenantId, t.id),
  ],
);

export type ApplicationRow = typeof applications.$inferSelect;
