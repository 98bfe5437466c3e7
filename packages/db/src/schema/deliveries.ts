import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { applicationRef } from './applications.ts';
import { createdAt, idOf, primaryId, timestamptz, updatedAt } from './columns.ts';
import { endpoints } from './endpoints.ts';
import { messages } from './messages.ts';
import { tenantRef } from './tenants.ts';

export const deliveryStatuses = ['pending', 'sending', 'succeeded', 'failed', 'canceled'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/**
 * One message to one endpoint. Its row is the source of truth for what is due: a delivery is
 * `pending` with `next_attempt_at` until a worker claims it (`sending`, with `lease_until`),
 * and ends `succeeded`, `failed` (schedule used up) or `canceled`. Claims and results are
 * compare-and-set on (status, attempt_count), so no delivery is sent by two workers at once.
 */
export const deliveries = pgTable(
  'deliveries',
  {
    id: primaryId('delivery'),
    tenantId: tenantRef(),
    appId: applicationRef(),
    messageId: idOf('message', 'message_id')
      .notNull()
      .references(() => messages.id, { onDelete: 'cascade' }),
    endpointId: idOf('endpoint', 'endpoint_id')
      .notNull()
      .references(() => endpoints.id, { onDelete: 'cascade' }),
    status: text('status').$type<DeliveryStatus>().notNull().default('pending'),
    /** Attempts made (or, while `sending`, being made). */
    attemptCount: integer('attempt_count').notNull().default(0),
    /** When the next attempt is due; null once the delivery is final. */
    nextAttemptAt: timestamptz('next_attempt_at'),
    /** While `sending`: when the claim expires and the delivery may be taken again. */
    leaseUntil: timestamptz('lease_until'),
    /**
     * While `sending`: the claim's random token. Results are recorded against it, so a worker
     * whose claim expired and was taken over cannot overwrite the new claim's outcome.
     */
    claimToken: text('claim_token'),
    lastStatusCode: integer('last_status_code'),
    /**
     * The next attempt was asked for by a person (a resend or a recovery): it is recorded as
     * manual and, if it fails, not retried.
     */
    manual: boolean('manual').notNull().default(false),
    /**
     * The retry task that put this delivery back to pending. While the delivery is pending or
     * sending it is owed to that task: its outcome is counted on the task (`tasks.delivered`
     * or `tasks.failed_again`) in the transaction that records it, which clears this, or in
     * the one that cancels it (endpoint deleted, message expunged, or claimed once its
     * application or tenant is deleted), after which it is never claimed again. So each
     * outcome counts once.
     */
    retryTaskId: idOf('task', 'retry_task_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    // One delivery per message and endpoint; also the index of a message's deliveries.
    uniqueIndex('deliveries_message_endpoint_key').on(t.messageId, t.endpointId),
    index('deliveries_endpoint_idx').on(t.endpointId, t.id),
    // The delivery log and the tenant's series, newest first within one tenant: without it a
    // small tenant's page walks every newer delivery of every other tenant.
    index('deliveries_tenant_id_idx').on(t.tenantId, t.id),
    // Recovery tasks look for failed deliveries of a tenant within a window of ids (time).
    index('deliveries_failed_idx')
      .on(t.tenantId, t.id)
      .where(sql`${t.status} = 'failed'`),
    index('deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('pending', 'sending')`),
    // The reconciler's scan for claims that expired (their worker died).
    index('deliveries_lease_idx')
      .on(t.leaseUntil)
      .where(sql`${t.status} = 'sending'`),
  ],
);

export type DeliveryRow = typeof deliveries.$inferSelect;
