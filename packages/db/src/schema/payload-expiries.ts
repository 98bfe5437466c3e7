import { index, pgTable } from 'drizzle-orm/pg-core';
import { idOf, timestamptz } from './columns.ts';
import { messages } from './messages.ts';
import { tenantRef } from './tenants.ts';

/**
 * When a message's payload is purged, for the messages that do not follow the installation's
 * retention: those sent with their own (`payloadRetentionPeriod` / `payloadRetentionHours`),
 * and those the retention pass found still being delivered when their time came (checked again
 * later). A table of its own, so that the purge finds them through a small index instead of
 * one over every message.
 */
export const payloadExpiries = pgTable(
  'payload_expiries',
  {
    messageId: idOf('message', 'message_id')
      .primaryKey()
      .references(() => messages.id, { onDelete: 'cascade' }),
    tenantId: tenantRef(),
    expiresAt: timestamptz('expires_at').notNull(),
  },
  (t) => [index('payload_expiries_expires_idx').on(t.expiresAt)],
);

export type PayloadExpiryRow = typeof payloadExpiries.$inferSelect;
