import { createMessage, listDestinations, listMessages, type Db } from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import type { DeliveryQueue } from '@hookrail/queue';
import { Router } from 'express';
import { conflict } from '../http/api-error.ts';
import { listQuery, queryDate, queryFlag, queryList } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import { parse } from '../http/validate.ts';
import { channelName, eventTypeName } from '../schemas/common.ts';
import { destinationOut, messageIn, messageOut } from '../schemas/messages.ts';
import { requireApp, requireMessage } from './lookups.ts';

const messageList = listQuery('descending').extend({
  event_types: queryList(eventTypeName).optional(),
  channel: channelName.optional(),
  before: queryDate.optional(),
  after: queryDate.optional(),
  with_content: queryFlag(true),
});
const destinationList = listQuery('ascending');

/** Queueing waits at most this long; past it the delivery rows wait for the reconciler. */
const enqueueTimeoutMs = 2000;

export interface MessageRouteDeps {
  db: Db;
  queue: DeliveryQueue;
  logger: Logger;
}

/** /api/v1/app/{app_id}/msg: sending messages and reading them back. */
export function messageRoutes({ db, queue, logger }: MessageRouteDeps): Router {
  const router = Router();

  /**
   * Commits the message and its deliveries, then queues the first attempts. A 202 means the
   * commit happened; queueing is best effort (bounded in time), because a delivery that is
   * due in Postgres and missing from the queue is queued again by the reconciler.
   */
  router.post('/app/:app_id/msg', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    const input = parse('body', messageIn, req.body);
    const created = await createMessage(db, {
      tenantId: app.tenantId,
      appId: app.id,
      eventType: input.eventType,
      eventId: input.eventId ?? null,
      channels: input.channels ?? null,
      tags: input.tags ?? null,
      payload: JSON.stringify(input.payload),
    });
    if (!created.ok)
      throw conflict('A message with this eventId was already sent to this application.');
    const jobs = created.deliveries.map((d) => ({ deliveryId: d.id, attempt: 1 }));
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        queue.enqueue(jobs),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`queueing took over ${enqueueTimeoutMs} ms`)),
            enqueueTimeoutMs,
          );
        }),
      ]);
    } catch (error) {
      logger.warn(
        { err: error, messageId: created.message.id, deliveries: jobs.length },
        'message accepted but not queued',
      );
    } finally {
      clearTimeout(timer);
    }
    res.status(202).json(messageOut(created.message));
  });

  router.get('/app/:app_id/msg', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    const query = parse('query', messageList, req.query);
    const page = await listMessages(
      db,
      { tenantId: app.tenantId, appId: app.id },
      { ...query, eventTypes: query.event_types },
    );
    res.json({ ...page, data: page.data.map((row) => messageOut(row, query.with_content)) });
  });

  router.get('/app/:app_id/msg/:msg_id', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    res.json(messageOut(await requireMessage(db, app, req.params.msg_id)));
  });

  /** The endpoints a message went to, each with its delivery's status (Svix's destinations). */
  router.get('/app/:app_id/msg/:msg_id/endpoint', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    const message = await requireMessage(db, app, req.params.msg_id);
    const query = parse('query', destinationList, req.query);
    const page = await listDestinations(
      db,
      { tenantId: app.tenantId, messageId: message.id },
      query,
    );
    res.json({ ...page, data: page.data.map(destinationOut) });
  });

  return router;
}
