import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { applicationRef } from './applications.ts';
import { createdAt, primaryId, timestamptz, updatedAt } from './columns.ts';
import { tenantRef } from './tenants.ts';

/**
 * A subscriber URL of an application. Deleting one sets `deleted_at` (its deliveries keep
 * pointing at it and are listed as canceled); every read of live endpoints filters on it.
 */
export const endpoints = pgTable(
  'endpoints',
  {
    id: primaryId('endpoint'),
    tenantId: tenantRef(),
    appId: applicationRef(),
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
    /** Requests in flight at once, across all workers; null is the installation's default. */
    maxInflight: integer('max_inflight'),
    /** Mirror of the circuit breaker kept in Redis, for reading: `closed` or `open`. */
    breakerState: text('breaker_state').$type<'closed' | 'open'>().notNull().default('closed'),
    /** Attempts that failed in a row; reset by a success. */
    consecutiveFailures: integer('consecutive_failures').notNull().default(0),
    /** When the current run of failures began; null while the endpoint is healthy. */
    failingSince: timestamptz('failing_since'),
    /** Why the endpoint is disabled: `manual` (an API call), `gone` (it answered 410) or `failing`. */
    disabledReason: text('disabled_reason').$type<'manual' | 'gone' | 'failing'>(),
    disabledAt: timestamptz('disabled_at'),
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
