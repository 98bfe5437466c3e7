import { pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, idOf, primaryId, updatedAt } from './columns.ts';

/** A SaaS backend using Hookrail. Every other row belongs to exactly one tenant. */
export const tenants = pgTable('tenants', {
  id: primaryId('tenant'),
  name: text('name').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export type TenantRow = typeof tenants.$inferSelect;

/** The owning tenant of a row; deleting the tenant deletes the row. */
export const tenantRef = () =>
  idOf('tenant', 'tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });
