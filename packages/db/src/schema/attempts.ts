import { index, integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { idOf, primaryId, timestamptz } from './columns.ts';
import { deliveries } from './deliveries.ts';
import { tenantRef } from './tenants.ts';

/**
 * One HTTP request of a delivery, written once it has an outcome. Ids of the message,
 * endpoint and application are repeated from the delivery so that attempt lists are one
 * index range each.
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
  (t) => [
    index('attempts_message_idx').on(t.messageId, t.id),
    index('attempts_endpoint_idx').on(t.endpointId, t.id),
    index('attempts_delivery_idx').on(t.deliveryId),
  ],
);

export type AttemptRow = typeof attempts.$inferSelect;
