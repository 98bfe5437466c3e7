import {
  cancelTask,
  countRetryable,
  createTask,
  listTasks,
  type ApplicationRow,
  type RetryScope,
  type TaskRow,
} from '@hookrail/db';
import { taskProgress } from '@hookrail/queue';
import type { Response } from 'express';
import type { z } from 'zod';
import { notFound } from '../http/api-error.ts';
import { listQuery } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import {
  appBulkRetryIn,
  bulkRetryCount,
  bulkRetryIn,
  taskList,
  taskOut,
  taskOutSchema,
} from '../schemas/tasks.ts';
import { queueAfterCommit, startTask, type RouteDeps } from './deps.ts';
import { requireApp, requireEndpoint, requireTask } from './lookups.ts';

const tag = 'Bulk Retry';

/**
 * /api/v1/bulk-retry: re-send the failed deliveries of the tenant, an application or an
 * endpoint within a time window, as a background task with progress and cancel.
 * /api/v1/app/{app_id}/bulk-retry: the same within one application, for its portal tokens
 * (CreateAttempts to start or cancel, ViewBase to follow), which see only its tasks.
 *
 * A dry run counts with the very filter the task's batches use (`countRetryable`), so the
 * count shown before confirming is what the task's `total` starts at.
 */
export function bulkRetryRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;

  /** The scope of a request once its application and endpoint are found in the caller's view. */
  async function scopeOf(
    app: ApplicationRow | undefined,
    res: Response,
    body: Omit<z.output<typeof appBulkRetryIn>, 'dryRun'>,
  ): Promise<RetryScope> {
    const scope: RetryScope = {
      tenantId: tenantOf(res),
      since: new Date(body.since),
      until: body.until == null ? undefined : new Date(body.until),
      eventTypes: body.eventTypes,
    };
    if (app === undefined) return scope;
    scope.appId = app.id;
    if (body.scope?.endpointId !== undefined)
      scope.endpointId = (await requireEndpoint(db, app, body.scope.endpointId)).id;
    return scope;
  }

  /** Counts (a dry run: 200 `{count}`) or creates and starts the task (202). */
  async function countOrStart(res: Response, scope: RetryScope, dryRun: boolean | undefined) {
    const count = await countRetryable(db, scope);
    if (dryRun === true) {
      res.status(200).json({ count });
      return;
    }
    const task = await startTask(deps, await createTask(db, 'bulk-retry', scope, count));
    res.status(202).json(taskOut(task));
  }

  /** Cancels a task the caller may see, and tells the stream when this ended it. */
  async function cancel(res: Response, task: TaskRow) {
    const canceled = await cancelTask(db, task.tenantId, task.id);
    if (canceled === undefined) throw notFound('task');
    if (task.status === 'running' && canceled.status === 'canceled') {
      await queueAfterCommit(deps, [], { taskId: task.id }, [taskProgress(canceled)]);
    }
    res.json(taskOut(canceled));
  }

  /** A task of the application: another application's is as absent as a missing one. */
  async function appTask(res: Response, app: ApplicationRow, id: string): Promise<TaskRow> {
    const task = await requireTask(db, res, id);
    if (task.appId !== app.id) throw notFound('task');
    return task;
  }

  routes.add(
    {
      method: 'post',
      path: '/bulk-retry',
      operationId: 'hookrail.bulk-retry.create',
      summary: 'Re-send failed deliveries in a scope and window (or count them with dryRun)',
      tag,
      access: 'tenant',
      body: bulkRetryIn,
      responses: { 202: taskOutSchema, 200: bulkRetryCount },
    },
    async ({ res, body }) => {
      const app =
        body.scope?.appId === undefined ? undefined : await requireApp(db, res, body.scope.appId);
      await countOrStart(res, await scopeOf(app, res, body), body.dryRun);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/bulk-retry',
      operationId: 'hookrail.bulk-retry.list',
      summary: 'List retry tasks, newest first',
      tag,
      access: 'tenant',
      query: listQuery('descending'),
      responses: { 200: taskList },
    },
    async ({ res, query }) => {
      const page = await listTasks(db, tenantOf(res), query);
      res.json({ ...page, data: page.data.map(taskOut) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/bulk-retry/:task_id',
      operationId: 'hookrail.bulk-retry.get',
      summary: 'Get a retry task and its progress',
      tag,
      access: 'tenant',
      responses: { 200: taskOutSchema },
    },
    async ({ req, res }) => {
      res.json(taskOut(await requireTask(db, res, pathParam(req, 'task_id'))));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/bulk-retry/:task_id/cancel',
      operationId: 'hookrail.bulk-retry.cancel',
      summary: 'Stop a running retry task; deliveries already queued stay queued',
      tag,
      access: 'tenant',
      responses: { 200: taskOutSchema },
    },
    async ({ req, res }) => {
      await cancel(res, await requireTask(db, res, pathParam(req, 'task_id')));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/bulk-retry',
      operationId: 'hookrail.app-bulk-retry.create',
      summary:
        'Re-send the failed deliveries of the application or one of its endpoints in a window (or count them with dryRun)',
      tag,
      access: 'app',
      loadApp: true,
      capability: 'CreateAttempts',
      body: appBulkRetryIn,
      responses: { 202: taskOutSchema, 200: bulkRetryCount },
    },
    async ({ res, body, app }) => {
      await countOrStart(res, await scopeOf(app, res, body), body.dryRun);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/bulk-retry',
      operationId: 'hookrail.app-bulk-retry.list',
      summary: "List the application's retry tasks (bulk retries, recovers, replays), newest first",
      tag,
      access: 'app',
      loadApp: true,
      query: listQuery('descending'),
      responses: { 200: taskList },
    },
    async ({ res, query, app }) => {
      const page = await listTasks(db, app.tenantId, { ...query, appId: app.id });
      res.json({ ...page, data: page.data.map(taskOut) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/bulk-retry/:task_id',
      operationId: 'hookrail.app-bulk-retry.get',
      summary: 'Get a retry task of the application and its progress',
      tag,
      access: 'app',
      loadApp: true,
      responses: { 200: taskOutSchema },
    },
    async ({ req, res, app }) => {
      res.json(taskOut(await appTask(res, app, pathParam(req, 'task_id'))));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/bulk-retry/:task_id/cancel',
      operationId: 'hookrail.app-bulk-retry.cancel',
      summary: 'Stop a running retry task of the application',
      tag,
      access: 'app',
      loadApp: true,
      capability: 'CreateAttempts',
      responses: { 200: taskOutSchema },
    },
    async ({ req, res, app }) => {
      await cancel(res, await appTask(res, app, pathParam(req, 'task_id')));
    },
  );
}
