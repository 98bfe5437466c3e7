import {
  createEventType,
  expungeEventType,
  getEventType,
  listEventTypes,
  updateEventType,
  upsertEventType,
  type Db,
} from '@hookrail/db';
import { Router } from 'express';
import { z } from 'zod';
import { conflict, notFound } from '../http/api-error.ts';
import { listQuery, queryFlag } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import { parse } from '../http/validate.ts';
import { eventTypeName } from '../schemas/common.ts';
import {
  eventTypeIn,
  eventTypeOut,
  eventTypePatch,
  eventTypeUpdate,
} from '../schemas/event-types.ts';

const eventTypeList = listQuery('ascending').extend({
  include_archived: queryFlag(false),
  with_content: queryFlag(false),
});
const deleteQuery = z.object({ expunge: queryFlag(false) });
const namePath = z.object({ event_type_name: eventTypeName });

/** /api/v1/event-type: named kinds of message, keyed by name within the tenant. */
export function eventTypeRoutes(db: Db): Router {
  const router = Router();

  router.post('/event-type', async (req, res) => {
    const tenantId = tenantOf(res);
    const { name, fields } = parse('body', eventTypeIn, req.body);
    const row = await createEventType(db, tenantId, name, fields);
    if (row === undefined) {
      const existing = await getEventType(db, tenantId, name);
      throw conflict(
        existing?.archived === true
          ? `Event type ${name} exists and is archived; update it with "archived": false to restore it.`
          : `Event type ${name} already exists.`,
      );
    }
    res.status(201).json(eventTypeOut(row));
  });

  router.get('/event-type', async (req, res) => {
    const query = parse('query', eventTypeList, req.query);
    const page = await listEventTypes(db, tenantOf(res), {
      ...query,
      includeArchived: query.include_archived,
    });
    res.json({ ...page, data: page.data.map((row) => eventTypeOut(row, query.with_content)) });
  });

  router.get('/event-type/:event_type_name', async (req, res) => {
    const row = await getEventType(db, tenantOf(res), req.params.event_type_name);
    if (row === undefined) throw notFound('event type');
    res.json(eventTypeOut(row));
  });

  // PUT replaces the event type, creating it (201) when the name is new, as Svix does.
  router.put('/event-type/:event_type_name', async (req, res) => {
    const { event_type_name: name } = parse('path', namePath, req.params);
    const fields = parse('body', eventTypeUpdate, req.body);
    const { row, created } = await upsertEventType(db, tenantOf(res), name, fields);
    res.status(created ? 201 : 200).json(eventTypeOut(row));
  });

  router.patch('/event-type/:event_type_name', async (req, res) => {
    const fields = parse('body', eventTypePatch, req.body);
    const row = await updateEventType(db, tenantOf(res), req.params.event_type_name, fields);
    if (row === undefined) throw notFound('event type');
    res.json(eventTypeOut(row));
  });

  // DELETE archives (the type disappears from lists, and from new endpoint filters); with
  // ?expunge=true the row is removed.
  router.delete('/event-type/:event_type_name', async (req, res) => {
    const tenantId = tenantOf(res);
    const { expunge } = parse('query', deleteQuery, req.query);
    const name = req.params.event_type_name;
    const found = expunge
      ? await expungeEventType(db, tenantId, name)
      : (await updateEventType(db, tenantId, name, { archived: true })) !== undefined;
    if (!found) throw notFound('event type');
    res.status(204).end();
  });

  return router;
}
