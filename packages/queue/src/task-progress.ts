import type { NewStatusEvent } from './status-stream.ts';

/** What the status stream tells of a background task: the columns of its row. */
export interface TaskFacts {
  id: string;
  tenantId: string;
  kind: string;
  status: 'running' | 'finished' | 'failed' | 'canceled';
  appId: string | null;
  endpointId: string | null;
  since: Date;
  until: Date | null;
  eventTypes: string[] | null;
  total: number;
  queued: number;
  delivered: number;
  failedAgain: number;
  error: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The `task.progress` event of a task as it is now: the task as `GET /api/v1/bulk-retry/{id}`
 * shows it, with `id` named `taskId` and its status `taskStatus` (a subscriber's `statuses`
 * filter reads `status` as a delivery's status), and the application and endpoint at the top,
 * where a subscriber's filter and an application's credentials look for them. `done` is true
 * once the task moves no more (finished, failed or canceled).
 */
export function taskProgress(task: TaskFacts): NewStatusEvent {
  return {
    tenantId: task.tenantId,
    type: 'task.progress',
    data: {
      taskId: task.id,
      ...(task.appId !== null && { appId: task.appId }),
      ...(task.endpointId !== null && { endpointId: task.endpointId }),
      task: task.kind,
      taskStatus: task.status,
      done: task.status !== 'running',
      total: task.total,
      queued: task.queued,
      delivered: task.delivered,
      failedAgain: task.failedAgain,
      error: task.error,
      since: task.since.toISOString(),
      until: task.until?.toISOString() ?? null,
      eventTypes: task.eventTypes,
      createdAt: task.createdAt.toISOString(),
      updatedAt: task.updatedAt.toISOString(),
    },
  };
}
