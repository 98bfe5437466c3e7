import type { Id } from '@hookrail/ids';
import { pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, sortableText, updatedAt } from './columns.ts';

/** A SaaS backend using Hookrail. Every other row belongs to exactly one tenant. */
export const tenants = pgTable('tenants', {
  id: sortableText('id').$type<Id<'tenant'>>().primaryKey(),
  name: text('name').notNull(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export type TenantRow = typeof tenants.$inferSelect;
