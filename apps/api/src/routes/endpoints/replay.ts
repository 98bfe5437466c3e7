import {
  countRetryable,
  createTask,
  listEndpointMessages,
  replayMissing,
  type DeliveryStatus,
  type RetryScope,
} from '@hookrail/db';
import { taskProgress } from '@hookrail/queue';
import { z } from 'zod';
import { listQuery, queryDate, queryFlag, queryList } from '../../http/list-query.ts';
import { pathParam, type RouteTable } from '../../http/routes.ts';
import { channelName, eventTypeName } from '../../schemas/common.ts';
import { recoverIn } from '../../schemas/endpoints.ts';
import {
  bulkReplayIn,
  endpointMessageList,
  endpointMessageOut,
  replayIn,
} from '../../schemas/replay.ts';
import { backgroundTaskOut, backgroundTaskOutSchema } from '../../schemas/tasks.ts';
import { queueAfterCommit, startTask, type RouteDeps } from '../deps.ts';
import { requireEndpoint } from '../lookups.ts';

/** Svix's message status filter, as delivery statuses. */
const deliveryStatuses: Record<number, DeliveryStatus[]> = {
  0: ['succeeded'],
  1: ['pending'],
  2: ['failed'],
  3: ['sending'],
  4: ['canceled'],
};

const endpointMessageQuery = listQuery('descending').extend({
  status: z
    .enum(['0', '1', '2', '3', '4'], { error: 'must be 0, 1, 2, 3 or 4' })
    .transform(Number)
    .optional()
    .meta({ description: '0 success, 1 pending, 2 fail, 3 sending, 4 canceled' }),
  channel: channelName.optional(),
  event_types: queryList(eventTypeName).optional(),
  before: queryDate.optional(),
  after: queryDate.optional(),
  with_content: queryFlag(true),
});

/** An endpoint's messages, and sending them again: recover, replay-missing, bulk replay. */
export function endpointReplayRoutes(routes: RouteTable, deps: RouteDeps, tag: string): void {
  const { db } = deps;

  /** Creates a retry task over the endpoint's failed deliveries and starts it. */
  async function retryTask(kind: 'endpoint.recover' | 'endpoint.bulk-replay', scope: RetryScope) {
    const task = await createTask(db, kind, scope, await countRetryable(db, scope));
    return backgroundTaskOut(await startTask(deps, task));
  }

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint/:endpoint_id/msg',
      operationId: 'v1.message-attempt.list-attempted-messages',
      summary: 'The messages sent (or to be sent) to an endpoint, newest first, with their status',
      tag: 'Message Attempt',
      access: 'app',
      loadApp: true,
      query: endpointMessageQuery,
      responses: { 200: endpointMessageList },
    },
    async ({ req, res, query, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const page = await listEndpointMessages(
        db,
        { tenantId: app.tenantId, endpointId: endpoint.id },
        {
          ...query,
          eventTypes: query.event_types,
          statuses: query.status === undefined ? undefined : deliveryStatuses[query.status],
        },
      );
      res.json({
        ...page,
        data: page.data.map((row) => endpointMessageOut(row, query.with_content)),
      });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/endpoint/:endpoint_id/recover',
      operationId: 'v1.endpoint.recover',
      summary: 'Re-send every failed delivery of the endpoint since a time, as a background task',
      tag,
      access: 'app',
      loadApp: true,
      capability: 'CreateAttempts',
      body: recoverIn,
      responses: { 202: backgroundTaskOutSchema },
    },
    async ({ req, res, body, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const task = await retryTask('endpoint.recover', {
        tenantId: app.tenantId,
        appId: app.id,
        endpointId: endpoint.id,
        since: new Date(body.since),
        until: body.until == null ? undefined : new Date(body.until),
      });
      res.status(202).json(task);
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/endpoint/:endpoint_id/bulk-replay',
      operationId: 'v1.endpoint.bulk-replay',
      summary: 'Re-send the failed deliveries of the endpoint in a window, as a background task',
      tag,
      access: 'app',
      loadApp: true,
      capability: 'CreateAttempts',
      body: bulkReplayIn,
      responses: { 202: backgroundTaskOutSchema },
    },
    async ({ req, res, body, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const task = await retryTask('endpoint.bulk-replay', {
        tenantId: app.tenantId,
        appId: app.id,
        endpointId: endpoint.id,
        since: new Date(body.since),
        until: body.until == null ? undefined : new Date(body.until),
        eventTypes: body.eventTypes ?? undefined,
      });
      res.status(202).json(task);
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/endpoint/:endpoint_id/replay-missing',
      operationId: 'v1.endpoint.replay-missing',
      summary:
        'Send the endpoint every message of the window it should have had but never got (up to 10,000 a call)',
      tag,
      access: 'app',
      loadApp: true,
      capability: 'CreateAttempts',
      body: replayIn,
      responses: { 202: backgroundTaskOutSchema },
    },
    async ({ req, res, body, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const window = {
        since: new Date(body.since),
        until: body.until == null ? undefined : new Date(body.until),
      };
      const created = await replayMissing(db, endpoint, window);
      // The deliveries are written before the task row: the task records work already done.
      const task = await createTask(
        db,
        'endpoint.replay',
        { tenantId: app.tenantId, appId: app.id, endpointId: endpoint.id, ...window },
        created.length,
        true,
      );
      await queueAfterCommit(
        deps,
        created.map((d) => ({
          deliveryId: d.id,
          endpointId: d.endpointId,
          attempt: 1,
          tenantId: app.tenantId,
        })),
        { taskId: task.id },
        [taskProgress(task)],
      );
      res.status(202).json(backgroundTaskOut(task));
    },
  );
}
