import { boolean, jsonb, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import { createdAt, sortableText, updatedAt } from './columns.ts';
import { tenantRef } from './tenants.ts';

/**
 * A named kind of message (`invoice.paid`), unique per tenant. Deleting one archives it
 * (hidden from lists, kept for history); expunging removes the row.
 */
export const eventTypes = pgTable(
  'event_types',
  {
    tenantId: tenantRef(),
    name: sortableText('name').notNull(),
    description: text('description').notNull().default(''),
    /** JSON Schemas by version (`{"1": {...}}`), as Svix stores them. */
    schemas: jsonb('schemas').$type<Record<string, unknown>>(),
    archived: boolean('archived').notNull().default(false),
    deprecated: boolean('deprecated').notNull().default(false),
    featureFlag: text('feature_flag'),
    featureFlags: text('feature_flags').array(),
    groupName: text('group_name'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [primaryKey({ name: 'event_types_pkey', columns: [t.tenantId, t.name] })],
);

export type EventTypeRow = typeof eventTypes.$inferSelect;
