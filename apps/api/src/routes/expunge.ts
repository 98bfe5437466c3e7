import { expungeAttemptContent, expungeMessageContent } from '@hookrail/db';
import { isId } from '@hookrail/ids';
import { deliveriesCanceled, taskProgress } from '@hookrail/queue';
import { notFound } from '../http/api-error.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import { queueAfterCommit, type RouteDeps } from './deps.ts';
import { requireMessage } from './lookups.ts';

/**
 * Deleting content sent by mistake: a message's payload (which also cancels what it still had
 * to send, and bars resending it) and an attempt's recorded response body. Tenant keys only.
 */
export function expungeRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;

  routes.add(
    {
      method: 'delete',
      path: '/app/:app_id/msg/:msg_id/content',
      operationId: 'v1.message.expunge-content',
      summary: "Delete a message's payload; it is never sent again",
      tag: 'Message',
      access: 'tenant',
      loadApp: true,
      responses: { 204: null },
    },
    async ({ req, res, app }) => {
      const message = await requireMessage(db, app, pathParam(req, 'msg_id'));
      const scope = { tenantId: app.tenantId, appId: app.id };
      const expunged = await expungeMessageContent(db, scope, message.id);
      if (expunged === undefined) throw notFound('message');
      // The deliveries it canceled end on the status stream, and the retry tasks that counted
      // them show their new counts, in one pipelined call.
      const events = [
        ...deliveriesCanceled(expunged.canceled, 'message_expunged', Date.now()),
        ...expunged.tasks.map(taskProgress),
      ];
      await queueAfterCommit(deps, [], { msgId: message.id }, events);
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/app/:app_id/msg/:msg_id/attempt/:attempt_id/content',
      operationId: 'v1.message-attempt.expunge-content',
      summary: 'Delete the response body recorded for an attempt',
      tag: 'Message Attempt',
      access: 'tenant',
      loadApp: true,
      responses: { 204: null },
    },
    async ({ req, res, app }) => {
      const message = await requireMessage(db, app, pathParam(req, 'msg_id'));
      const id = pathParam(req, 'attempt_id');
      const found =
        isId('attempt', id) &&
        (await expungeAttemptContent(db, { tenantId: app.tenantId, messageId: message.id }, id));
      if (!found) throw notFound('attempt');
      res.status(204).end();
    },
  );
}
