import { index, integer, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, idOf, primaryId, timestamptz, updatedAt } from './columns.ts';
import { tenantRef } from './tenants.ts';

export const taskStatuses = ['running', 'finished', 'failed', 'canceled'] as const;
export type TaskStatus = (typeof taskStatuses)[number];

/**
 * What a task does. `endpoint.recover`, `endpoint.bulk-replay` and `bulk-retry` re-send failed
 * deliveries in their scope; `endpoint.replay` (replay-missing) sends an endpoint the messages
 * it never got, and is done by the time it is created.
 */
export const taskKinds = [
  'endpoint.recover',
  'endpoint.bulk-replay',
  'endpoint.replay',
  'bulk-retry',
] as const;
export type TaskKind = (typeof taskKinds)[number];

/**
 * Background work a person asked for: re-sending the failed deliveries of a tenant, an
 * application or an endpoint within a time window (Svix's endpoint recover is one of these).
 */
export const tasks = pgTable(
  'tasks',
  {
    id: primaryId('task'),
    tenantId: tenantRef(),
    kind: text('kind').$type<TaskKind>().notNull(),
    status: text('status').$type<TaskStatus>().notNull().default('running'),
    appId: idOf('application', 'app_id'),
    endpointId: idOf('endpoint', 'endpoint_id'),
    since: timestamptz('since').notNull(),
    until: timestamptz('until'),
    eventTypes: text('event_types').array(),
    /** Deliveries that matched when the task started. */
    total: integer('total').notNull().default(0),
    /** Deliveries queued again so far. */
    queued: integer('queued').notNull().default(0),
    /**
     * Of those, how many were sent successfully, and how many ended otherwise (failed again,
     * or canceled by the worker), counted when the worker records their outcome.
     */
    delivered: integer('delivered').notNull().default(0),
    failedAgain: integer('failed_again').notNull().default(0),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('tasks_tenant_idx').on(t.tenantId, t.id)],
);

export type TaskRow = typeof tasks.$inferSelect;
