import { taskKinds, type TaskRow } from '@hookrail/db';
import { z } from 'zod';
import { dateTime, dateTimeIn, eventTypeName, listOf } from './common.ts';

export const taskOutSchema = z
  .object({
    id: z.string().meta({ example: 'task_01m8150b3xb0m9e2v0wq4kkd4z' }),
    status: z.enum(['running', 'finished', 'failed', 'canceled']),
    task: z.enum(taskKinds),
    updatedAt: dateTime,
    createdAt: dateTime,
    scope: z.object({ appId: z.string().nullable(), endpointId: z.string().nullable() }),
    since: dateTime,
    until: dateTime.nullable(),
    eventTypes: z.array(z.string()).nullable(),
    total: z
      .number()
      .int()
      .meta({ description: 'Failed deliveries in scope when the task started.' }),
    queued: z.number().int().meta({ description: 'Deliveries queued again so far.' }),
    delivered: z.number().int().meta({
      description:
        'Of the queued, how many were sent successfully since (counted as the worker records them).',
    }),
    failedAgain: z.number().int().meta({
      description:
        'Of the queued, how many ended otherwise: failed again, or canceled (their endpoint, application or tenant deleted, or their message expunged). Once every queued delivery has ended, delivered + failedAgain = queued.',
    }),
    error: z.string().nullable(),
  })
  .meta({ id: 'TaskOut' });

export const taskList = listOf(taskOutSchema, 'TaskOut');

/** Svix's RecoverOut (`id`, `status`, `task`, `updatedAt`), with Hookrail's progress counts. */
export function taskOut(task: TaskRow): z.input<typeof taskOutSchema> {
  return {
    id: task.id,
    status: task.status,
    task: task.kind,
    updatedAt: task.updatedAt.toISOString(),
    createdAt: task.createdAt.toISOString(),
    scope: { appId: task.appId, endpointId: task.endpointId },
    since: task.since.toISOString(),
    until: task.until?.toISOString() ?? null,
    eventTypes: task.eventTypes,
    total: task.total,
    queued: task.queued,
    delivered: task.delivered,
    failedAgain: task.failedAgain,
    error: task.error,
  };
}

/** Svix's BackgroundTaskType values, and the one each Hookrail task kind is shown as. */
const svixTaskTypes = {
  'endpoint.recover': 'endpoint.recover',
  'endpoint.replay': 'endpoint.replay',
  'endpoint.bulk-replay': 'endpoint.bulk-replay',
  // Svix has no tenant-wide retry; its nearest kind is re-sending an endpoint's failures.
  'bulk-retry': 'endpoint.bulk-replay',
} as const satisfies Record<TaskRow['kind'], string>;

export const backgroundTaskOutSchema = z
  .object({
    id: z.string().meta({ example: 'task_01m8150b3xb0m9e2v0wq4kkd4z' }),
    status: z.enum(['running', 'finished', 'failed']),
    task: z.enum([
      'endpoint.replay',
      'endpoint.recover',
      'application.stats',
      'message.broadcast',
      'sdk.generate',
      'event-type.aggregate',
      'application.purge_content',
      'endpoint.bulk-replay',
    ]),
    updatedAt: dateTime,
    data: taskOutSchema.meta({
      description: "Hookrail's view of the task: its own kind and status, scope and progress.",
    }),
  })
  .meta({ id: 'BackgroundTaskOut' });

export const backgroundTaskList = listOf(backgroundTaskOutSchema, 'BackgroundTaskOut');

/**
 * A task in Svix's shape (BackgroundTaskOut, also RecoverOut and ReplayOut): status and type
 * within Svix's enums (a canceled task is `failed`, a bulk retry `endpoint.bulk-replay`), with
 * Hookrail's own view in `data`.
 */
export function backgroundTaskOut(task: TaskRow): z.input<typeof backgroundTaskOutSchema> {
  return {
    id: task.id,
    status: task.status === 'canceled' ? 'failed' : task.status,
    task: svixTaskTypes[task.kind],
    updatedAt: task.updatedAt.toISOString(),
    data: taskOut(task),
  };
}

/** What a retry request says besides its scope: the window, the event types, a dry run. */
const retryFilters = {
  since: dateTimeIn,
  until: dateTimeIn.nullable().optional(),
  eventTypes: z.array(eventTypeName).max(100).optional(),
  dryRun: z.boolean().optional().meta({ description: 'Only count what would be re-sent.' }),
};

export const bulkRetryIn = z
  .strictObject({
    scope: z
      .strictObject({
        appId: z.string().max(256).optional().meta({ description: 'An application id or uid.' }),
        endpointId: z
          .string()
          .max(256)
          .optional()
          .meta({ description: 'An endpoint id or uid (needs appId).' }),
      })
      .refine((s) => s.endpointId === undefined || s.appId !== undefined, {
        error: 'endpointId needs appId',
        path: ['endpointId'],
      })
      .optional()
      .meta({ description: 'Empty for every application of the tenant.' }),
    ...retryFilters,
  })
  .meta({ id: 'BulkRetryIn' });

/** The same request within one application (`/app/{app_id}/bulk-retry`). */
export const appBulkRetryIn = z
  .strictObject({
    scope: z
      .strictObject({
        endpointId: z
          .string()
          .max(256)
          .optional()
          .meta({ description: 'An endpoint id or uid of the application.' }),
      })
      .optional()
      .meta({ description: 'Empty for every endpoint of the application.' }),
    ...retryFilters,
  })
  .meta({ id: 'AppBulkRetryIn' });

export const bulkRetryCount = z
  .object({
    count: z.number().int().meta({ description: 'Deliveries a retry would re-send now.' }),
  })
  .meta({ id: 'BulkRetryCount' });
