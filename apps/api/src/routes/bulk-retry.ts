import {
  cancelTask,
  countRetryable,
  createTask,
  findEndpoint,
  listTasks,
  type RetryScope,
} from '@hookrail/db';
import { taskProgress } from '@hookrail/queue';
import { notFound } from '../http/api-error.ts';
import { listQuery } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import { bulkRetryCount, bulkRetryIn, taskList, taskOut, taskOutSchema } from '../schemas/tasks.ts';
import { queueAfterCommit, startTask, type RouteDeps } from './deps.ts';
import { requireApp, requireTask } from './lookups.ts';

const tag = 'Bulk Retry';

/**
 * /api/v1/bulk-retry: re-send the failed deliveries of the tenant, an application or an
 * endpoint within a time window, as a background task with progress and cancel.
 */
export function bulkRetryRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;

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
      const scope: RetryScope = {
        tenantId: tenantOf(res),
        since: new Date(body.since),
        until: body.until == null ? undefined : new Date(body.until),
        eventTypes: body.eventTypes,
      };
      if (body.scope?.appId !== undefined) {
        const app = await requireApp(db, res, body.scope.appId);
        scope.appId = app.id;
        if (body.scope.endpointId !== undefined) {
          const endpoint = await findEndpoint(
            db,
            { tenantId: app.tenantId, appId: app.id },
            body.scope.endpointId,
          );
          if (endpoint === undefined) throw notFound('endpoint');
          scope.endpointId = endpoint.id;
        }
      }
      const count = await countRetryable(db, scope);
      if (body.dryRun === true) {
        res.status(200).json({ count });
        return;
      }
      const task = await startTask(deps, await createTask(db, 'bulk-retry', scope, count));
      res.status(202).json(taskOut(task));
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
      const task = await requireTask(db, res, pathParam(req, 'task_id'));
      const canceled = await cancelTask(db, task.tenantId, task.id);
      if (canceled === undefined) throw notFound('task');
      if (task.status === 'running' && canceled.status === 'canceled') {
        await queueAfterCommit(deps, [], { taskId: task.id }, [taskProgress(canceled)]);
      }
      res.json(taskOut(canceled));
    },
  );
}
