import { boolean, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, idOf, primaryId, updatedAt } from './columns.ts';

/** A SaaS backend using Hookrail. Every other row belongs to exactly one tenant. */
export const tenants = pgTable('tenants', {
  id: primaryId('tenant'),
  name: text('name').notNull(),
  /** `webhook` sends webhook-id/-timestamp/-signature; `svix` sends svix-id/-timestamp/-signature. */
  headerStyle: text('header_style').$type<'webhook' | 'svix'>().notNull().default('webhook'),
  /** Refuse messages whose payload does not match their event type's schema. */
  validateSchemas: boolean('validate_schemas').notNull().default(false),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export type TenantRow = typeof tenants.$inferSelect;

/** The owning tenant of a row; deleting the tenant deletes the row. */
export const tenantRef = () =>
  idOf('tenant', 'tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });
