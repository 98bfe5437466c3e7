import { findEndpoint, listAttempts, type Db } from '@hookrail/db';
import type { Id } from '@hookrail/ids';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { notFound } from '../http/api-error.ts';
import { listQuery, queryDate, queryFlag, queryList } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import { parse } from '../http/validate.ts';
import { eventTypeName, token } from '../schemas/common.ts';
import { attemptOut } from '../schemas/messages.ts';
import { requireApp, requireEndpoint, requireMessage } from './lookups.ts';

const attemptList = listQuery('descending').extend({
  /** Svix's MessageStatus: 0 success, 1 pending, 2 fail, 3 sending. */
  status: z
    .enum(['0', '1', '2', '3'], { error: 'must be 0, 1, 2 or 3' })
    .transform(Number)
    .optional(),
  status_code_class: z
    .enum(['0', '100', '200', '300', '400', '500'], {
      error: 'must be 0, 100, 200, 300, 400 or 500',
    })
    .transform(Number)
    .optional(),
  event_types: queryList(eventTypeName).optional(),
  before: queryDate.optional(),
  after: queryDate.optional(),
  with_content: queryFlag(true),
});
const byMessageQuery = attemptList.extend({ endpoint_id: token(256).optional() });

type AttemptQuery = z.output<typeof attemptList>;

/** /api/v1/app/{app_id}/attempt/...: the attempt log, by message or by endpoint. */
export function attemptRoutes(db: Db): Router {
  const router = Router();

  async function respond(
    res: Response,
    tenantId: Id<'tenant'>,
    by: Parameters<typeof listAttempts>[2],
    query: AttemptQuery,
    endpointId?: Id<'endpoint'>,
  ) {
    // Recorded attempts either succeeded or failed; pending and sending deliveries have no
    // attempt row yet, so those two statuses match nothing.
    if (query.status === 1 || query.status === 3) {
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
    res.json({ ...page, data: page.data.map((row) => attemptOut(row, query.with_content)) });
  }

  router.get('/app/:app_id/attempt/msg/:msg_id', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    const message = await requireMessage(db, app, req.params.msg_id);
    const query = parse('query', byMessageQuery, req.query);
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
  });

  router.get('/app/:app_id/attempt/endpoint/:endpoint_id', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    const endpoint = await requireEndpoint(db, app, req.params.endpoint_id);
    await respond(
      res,
      app.tenantId,
      { endpointId: endpoint.id },
      parse('query', attemptList, req.query),
    );
  });

  return router;
}
