import {
  findEndpoint,
  getAttempt,
  listAttempts,
  messagesById,
  resendDelivery,
  type AttemptRow,
  type MessageRow,
} from '@hookrail/db';
import { isId, type Id } from '@hookrail/ids';
import type { Response } from 'express';
import { z } from 'zod';
import { conflict, notFound } from '../http/api-error.ts';
import { listQuery, queryDate, queryFlag, queryList } from '../http/list-query.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import { channelName, emptyOut, eventTypeName, token } from '../schemas/common.ts';
import { attemptList, attemptOut, attemptOutSchema } from '../schemas/messages.ts';
import { queueAfterCommit, type RouteDeps } from './deps.ts';
import { requireEndpoint, requireMessage } from './lookups.ts';

const tag = 'Message Attempt';

const attemptQuery = listQuery('descending').extend({
  status: z
    .enum(['0', '1', '2', '3', '4'], { error: 'must be 0, 1, 2, 3 or 4' })
    .transform(Number)
    .optional()
    .meta({ description: '0 success, 1 pending, 2 fail, 3 sending, 4 canceled' }),
  status_code_class: z
    .enum(['0', '100', '200', '300', '400', '500'], {
      error: 'must be 0, 100, 200, 300, 400 or 500',
    })
    .transform(Number)
    .optional(),
  event_types: queryList(eventTypeName).optional(),
  channel: channelName.optional(),
  tag: token(128).optional(),
  before: queryDate.optional(),
  after: queryDate.optional(),
  with_content: queryFlag(true),
  with_msg: queryFlag(false),
  /** Accepted from Svix clients; statuses are always the expanded set. */
  expanded_statuses: queryFlag(true),
});
type AttemptQuery = z.output<typeof attemptQuery>;

/** /api/v1/app/{app_id}/attempt/... and resend: the attempt log. */
export function attemptRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;

  async function respond(
    res: Response,
    tenantId: Id<'tenant'>,
    by: { messageId: Id<'message'> } | { endpointId: Id<'endpoint'> },
    query: AttemptQuery,
    endpointId?: Id<'endpoint'>,
  ) {
    // Recorded attempts either succeeded or failed: the other statuses match none.
    if (query.status !== undefined && query.status !== 0 && query.status !== 2) {
      res.json({ data: [], iterator: query.iterator ?? null, prevIterator: null, done: true });
      return;
    }
    const page = await listAttempts(db, tenantId, by, {
      ...query,
      outcome: query.status === undefined ? undefined : query.status === 0 ? 'succeeded' : 'failed',
      statusCodeClass: query.status_code_class,
      eventTypes: query.event_types,
      endpointId,
    });
    const messages = query.with_msg
      ? await messagesById(
          db,
          tenantId,
          page.data.map((a) => a.messageId),
        )
      : new Map<string, MessageRow>();
    const out = (row: AttemptRow) => {
      const message = messages.get(row.messageId);
      return attemptOut(row, { withContent: query.with_content, ...(message && { message }) });
    };
    res.json({ ...page, data: page.data.map(out) });
  }

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/attempt/msg/:msg_id',
      operationId: 'v1.message-attempt.list-by-msg',
      summary: "A message's attempts, newest first",
      tag,
      access: 'app',
      loadApp: true,
      query: attemptQuery.extend({ endpoint_id: token(256).optional() }),
      responses: { 200: attemptList },
    },
    async ({ req, res, query, app }) => {
      const message = await requireMessage(db, app, pathParam(req, 'msg_id'));
      let endpointId: Id<'endpoint'> | undefined;
      if (query.endpoint_id !== undefined) {
        const endpoint = await findEndpoint(
          db,
          { tenantId: app.tenantId, appId: app.id },
          query.endpoint_id,
        );
        if (endpoint === undefined) throw notFound('endpoint');
        endpointId = endpoint.id;
      }
      await respond(res, app.tenantId, { messageId: message.id }, query, endpointId);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/attempt/endpoint/:endpoint_id',
      operationId: 'v1.message-attempt.list-by-endpoint',
      summary: "An endpoint's attempts, newest first",
      tag,
      access: 'app',
      loadApp: true,
      query: attemptQuery,
      responses: { 200: attemptList },
    },
    async ({ req, res, query, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      await respond(res, app.tenantId, { endpointId: endpoint.id }, query);
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/msg/:msg_id/attempt/:attempt_id',
      operationId: 'v1.message-attempt.get',
      summary: 'Get one attempt',
      tag,
      access: 'app',
      loadApp: true,
      query: z.object({ expanded_statuses: queryFlag(true) }),
      responses: { 200: attemptOutSchema },
    },
    async ({ req, res, app }) => {
      const message = await requireMessage(db, app, pathParam(req, 'msg_id'));
      const id = pathParam(req, 'attempt_id');
      const attempt = isId('attempt', id)
        ? await getAttempt(db, { tenantId: app.tenantId, messageId: message.id }, id)
        : undefined;
      if (attempt === undefined) throw notFound('attempt');
      res.json(attemptOut(attempt));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/msg/:msg_id/endpoint/:endpoint_id/resend',
      operationId: 'v1.message-attempt.resend',
      summary: 'Send a message to an endpoint once more (a manual attempt, not retried)',
      tag,
      access: 'app',
      loadApp: true,
      capability: 'CreateAttempts',
      responses: { 202: emptyOut },
    },
    async ({ req, res, app }) => {
      const message = await requireMessage(db, app, pathParam(req, 'msg_id'));
      if (message.expungedAt !== null) {
        throw conflict('The message content was deleted (expunged); it cannot be sent again.');
      }
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const resend = await resendDelivery(db, {
        tenantId: app.tenantId,
        appId: app.id,
        messageId: message.id,
        endpointId: endpoint.id,
      });
      if (resend.queued) {
        await queueAfterCommit(
          deps,
          [
            {
              deliveryId: resend.deliveryId,
              endpointId: endpoint.id,
              attempt: resend.attempt,
              tenantId: app.tenantId,
            },
          ],
          {
            deliveryId: resend.deliveryId,
          },
        );
      }
      res.status(202).json({});
    },
  );
}
