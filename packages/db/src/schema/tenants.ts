import { boolean, doublePrecision, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, idOf, primaryId, timestamptz, updatedAt } from './columns.ts';

/**
 * A SaaS backend using Hookrail. Every other row belongs to exactly one tenant. Deleting one
 * sets `deleted_at`: its keys, tokens and sessions stop working at once (every read of
 * tenants and keys filters on it) and its deliveries are canceled when claimed; the worker's
 * housekeeping then purges its rows batch by batch and deletes this row last.
 */
export const tenants = pgTable('tenants', {
  id: primaryId('tenant'),
  name: text('name').notNull(),
  /** `webhook` sends webhook-id/-timestamp/-signature; `svix` sends svix-id/-timestamp/-signature. */
  headerStyle: text('header_style').$type<'webhook' | 'svix'>().notNull().default('webhook'),
  /** Refuse messages whose payload does not match their event type's schema. */
  validateSchemas: boolean('validate_schemas').notNull().default(false),
  /**
   * The operator's ingest limit for this tenant, in messages per second; null: the API's
   * default (`HOOKRAIL_TENANT_RATE`, off unless set).
   */
  ingestRate: doublePrecision('ingest_rate'),
  /** Messages the tenant may send at once over `ingestRate`; null: the API's default burst. */
  ingestBurst: integer('ingest_burst'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
  /** When it was deleted: gone for every read, its rows waiting to be purged. */
  deletedAt: timestamptz('deleted_at'),
});

export type TenantRow = typeof tenants.$inferSelect;

/** The owning tenant of a row; deleting the tenant deletes the row. */
export const tenantRef = () =>
  idOf('tenant', 'tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });
