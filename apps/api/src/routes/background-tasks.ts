import { listTasks, type TaskKind, type TaskStatus } from '@hookrail/db';
import { z } from 'zod';
import { listQuery } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import {
  backgroundTaskList,
  backgroundTaskOut,
  backgroundTaskOutSchema,
} from '../schemas/tasks.ts';
import type { RouteDeps } from './deps.ts';
import { requireTask } from './lookups.ts';

const tag = 'Background Task';

/** Svix's status filter, as the Hookrail statuses it covers. */
const statuses: Record<string, TaskStatus[]> = {
  running: ['running'],
  finished: ['finished'],
  failed: ['failed', 'canceled'],
};

/** Svix's task type filter, as the Hookrail kinds shown as it (the rest match nothing). */
const kinds: Record<string, TaskKind[]> = {
  'endpoint.recover': ['endpoint.recover'],
  'endpoint.replay': ['endpoint.replay'],
  'endpoint.bulk-replay': ['endpoint.bulk-replay', 'bulk-retry'],
};

const taskQuery = listQuery('descending').extend({
  status: z
    .enum(['running', 'finished', 'failed'], { error: 'must be running, finished or failed' })
    .optional(),
  task: backgroundTaskOutSchema.shape.task.optional(),
});

/**
 * /api/v1/background-task: Svix's view of the tenant's tasks (recover, replays, bulk retries),
 * in Svix's enums; /api/v1/bulk-retry shows the same tasks in Hookrail's own shape.
 */
export function backgroundTaskRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;

  routes.add(
    {
      method: 'get',
      path: '/background-task',
      operationId: 'v1.background-task.list',
      summary: 'List background tasks, newest first',
      tag,
      access: 'tenant',
      query: taskQuery,
      responses: { 200: backgroundTaskList },
    },
    async ({ res, query }) => {
      const page = await listTasks(db, tenantOf(res), {
        ...query,
        statuses: query.status === undefined ? undefined : statuses[query.status],
        kinds: query.task === undefined ? undefined : (kinds[query.task] ?? []),
      });
      res.json({ ...page, data: page.data.map(backgroundTaskOut) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/background-task/:task_id',
      operationId: 'v1.background-task.get',
      summary: 'Get a background task',
      tag,
      access: 'tenant',
      responses: { 200: backgroundTaskOutSchema },
    },
    async ({ req, res }) => {
      res.json(backgroundTaskOut(await requireTask(db, res, pathParam(req, 'task_id'))));
    },
  );
}
