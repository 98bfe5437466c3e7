import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { idOf, primaryId, timestamptz } from './columns.ts';
import { deliveries } from './deliveries.ts';
import { tenantRef } from './tenants.ts';

/**
 * One HTTP request of a delivery, written once it has an outcome. Ids of the message,
 * endpoint and application are repeated from the delivery so that attempt lists are one
 * index range each.
 *
 * The largest table. In Postgres it is range-partitioned by month on `id` (ids begin with
 * their time), made ahead and dropped whole by the worker's maintenance
 * (`queries/partitions.ts`, docs/scaling.md); drizzle sees a plain table with the same
 * columns and indexes. Each index costs every attempt insert, so each is here for a reader:
 */
export const attempts = pgTable(
  'attempts',
  {
    id: primaryId('attempt'),
    tenantId: tenantRef(),
    appId: idOf('application', 'app_id').notNull(),
    messageId: idOf('message', 'message_id').notNull(),
    endpointId: idOf('endpoint', 'endpoint_id').notNull(),
    deliveryId: idOf('delivery', 'delivery_id')
      .notNull()
      .references(() => deliveries.id, { onDelete: 'cascade' }),
    /** The message's event type, repeated so attempt lists filter on it without a join. */
    eventType: text('event_type').notNull(),
    attemptNumber: integer('attempt_number').notNull(),
    /** `scheduled` by the retry schedule, or `manual` (a resend). */
    trigger: text('trigger').$type<'scheduled' | 'manual'>().notNull(),
    outcome: text('outcome').$type<'succeeded' | 'failed'>().notNull(),
    url: text('url').notNull(),
    startedAt: timestamptz('started_at').notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** The request headers sent, credentials redacted. */
    requestHeaders: jsonb('request_headers').$type<Record<string, string>>().notNull(),
    statusCode: integer('status_code'),
    /** The first 4 KiB of the response body. */
    response: text('response'),
    /** Why the attempt failed when there was no response (timeout, connection refused...). */
    error: text('error'),
  },
  // The primary key (id): an attempt by id (one partition, the id being the partition key),
  // keyset cursors, and the retention scan of old response excerpts (an id range).
  (t) => [
    // A message's attempts, newest first (`/attempt/msg/{msg}`, the message page), and the
    // purge of a message's response excerpts when its own retention ends.
    index('attempts_message_idx').on(t.messageId, t.id),
    // An endpoint's attempts, newest first (`/attempt/endpoint/{ep}`, the endpoint's log).
    index('attempts_endpoint_idx').on(t.endpointId, t.id),
    // The foreign key's cascade: deleting deliveries (a message past the log retention, a
    // deleted application) finds their attempts here instead of scanning every partition.
    index('attempts_delivery_idx').on(t.deliveryId),
  ],
);

export type AttemptRow = typeof attempts.$inferSelect;
