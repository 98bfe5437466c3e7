import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, idOf, primaryId, timestamptz, updatedAt } from './columns.ts';
import { tenantRef } from './tenants.ts';

/**
 * One customer of a tenant; `uid` is the tenant's own name for it, unique per tenant.
 * Deleting one sets `deleted_at` and frees its `uid` at once (every read of applications
 * filters on it, and its deliveries are canceled when claimed); the worker's housekeeping
 * then purges its rows batch by batch and deletes this row last (`queries/deletion.ts`).
 */
export const applications = pgTable(
  'applications',
  {
    id: primaryId('application'),
    tenantId: tenantRef(),
    uid: text('uid'),
    name: text('name').notNull(),
    /** Messages per second across the application's endpoints; null is unlimited. */
    rateLimit: integer('rate_limit'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    /**
     * The tenant's own operational-webhook application: its endpoints receive Hookrail's
     * events about the tenant (endpoint.disabled...). Hidden from the application routes.
     */
    system: boolean('system').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    /** When it was deleted: gone for every read, its rows waiting to be purged. */
    deletedAt: timestamptz('deleted_at'),
  },
  (t) => [
    uniqueIndex('applications_tenant_uid_key').on(t.tenantId, t.uid),
    index('applications_tenant_id_idx').on(t.tenantId, t.id),
    uniqueIndex('applications_tenant_system_key')
      .on(t.tenantId)
      .where(sql`${t.system}`),
    // The housekeeping's list of deleted applications still to purge (a handful of rows).
    index('applications_deleted_idx')
      .on(t.deletedAt)
      .where(sql`${t.deletedAt} is not null`),
  ],
);

export type ApplicationRow = typeof applications.$inferSelect;

/** The application a row belongs to; deleting the application deletes the row. */
export const applicationRef = () =>
  idOf('application', 'app_id')
    .notNull()
    .references(() => applications.id, { onDelete: 'cascade' });
