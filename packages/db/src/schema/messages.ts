import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { applicationRef } from './applications.ts';
import { createdAt, primaryId, timestamptz } from './columns.ts';
import { tenantRef } from './tenants.ts';

/**
 * One event a tenant sent to one application. `payload` is the JSON text exactly as it is
 * signed and sent (kept as text, not jsonb, so that its bytes never change).
 */
export const messages = pgTable(
  'messages',
  {
    id: primaryId('message'),
    tenantId: tenantRef(),
    appId: applicationRef(),
    eventType: text('event_type').notNull(),
    /** The tenant's idempotency id for the event, unique per application. */
    eventId: text('event_id'),
    channels: text('channels').array(),
    tags: text('tags').array(),
    payload: text('payload').notNull(),
    /** When the tenant asked for the message to be sent; null is at once. */
    deliverAt: timestamptz('deliver_at'),
    /** When its content was deleted (expunge): the payload is `{}` and it is never sent again. */
    expungedAt: timestamptz('expunged_at'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('messages_app_event_id_key').on(t.appId, t.eventId),
    index('messages_app_id_idx').on(t.appId, t.id),
  ],
);

export type MessageRow = typeof messages.$inferSelect;
