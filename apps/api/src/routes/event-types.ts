import {
  createEventType,
  expungeEventType,
  getEventType,
  listEventTypes,
  updateEventType,
  upsertEventType,
} from '@hookrail/db';
import type { Response } from 'express';
import { z } from 'zod';
import { conflict, notFound } from '../http/api-error.ts';
import { listQuery, queryFlag } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import type { RouteTable } from '../http/routes.ts';
import {
  eventTypeIn,
  eventTypeList,
  eventTypeOut,
  eventTypeOutSchema,
  eventTypePatch,
  eventTypePath,
  eventTypeUpdate,
} from '../schemas/event-types.ts';
import { defaultTenantBounds, limitExceeded } from '../limits.ts';
import type { RouteDeps } from './deps.ts';

const tag = 'Event Type';

/** For a portal token, the flags it holds (what it may see); undefined for a tenant key. */
function portalView(res: Response): { flags: readonly string[] } | undefined {
  const portal = res.locals.auth?.portal;
  return portal === undefined ? undefined : { flags: portal.featureFlags };
}

const tooManyEventTypes = (limit: number) =>
  limitExceeded(
    ['body'],
    `a tenant may have at most ${limit} event types, archived ones included; expunge one first`,
    'too_many_event_types',
  );

/**
 * /api/v1/event-type: named kinds of message, keyed by name within the tenant. App portal
 * tokens may read them (the portal's catalogue, as Svix's portal does), never change them.
 */
export function eventTypeRoutes(routes: RouteTable, { db, tenantBounds }: RouteDeps): void {
  const maxPerTenant = (tenantBounds ?? defaultTenantBounds).eventTypesPerTenant;

  routes.add(
    {
      method: 'post',
      path: '/event-type',
      operationId: 'v1.event-type.create',
      summary: 'Create an event type',
      tag,
      access: 'tenant',
      body: eventTypeIn,
      responses: { 201: eventTypeOutSchema },
    },
    async ({ res, body: { name, fields } }) => {
      const tenantId = tenantOf(res);
      const row = await createEventType(db, tenantId, name, fields, { maxPerTenant });
      if (row !== undefined && 'reason' in row) throw tooManyEventTypes(row.limit);
      if (row === undefined) {
        const existing = await getEventType(db, tenantId, name);
        throw conflict(
          existing?.archived === true
            ? `Event type ${name} exists and is archived; update it with "archived": false to restore it.`
            : `Event type ${name} already exists.`,
        );
      }
      res.status(201).json(eventTypeOut(row));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/event-type',
      operationId: 'v1.event-type.list',
      summary: 'List event types',
      tag,
      // The catalogue subscribers browse in the portal when they choose their filters.
      access: 'app',
      sharedWithPortals: true,
      query: listQuery('ascending').extend({
        include_archived: queryFlag(false),
        with_content: queryFlag(false),
      }),
      responses: { 200: eventTypeList },
    },
    async ({ res, query }) => {
      const visibleTo = portalView(res);
      const page = await listEventTypes(db, tenantOf(res), {
        ...query,
        // A subscriber sees what it may choose: no archived types, none behind others' flags.
        includeArchived: query.include_archived && visibleTo === undefined,
        ...(visibleTo && { visibleTo }),
      });
      res.json({ ...page, data: page.data.map((row) => eventTypeOut(row, query.with_content)) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/event-type/:event_type_name',
      operationId: 'v1.event-type.get',
      summary: 'Get an event type',
      tag,
      access: 'app',
      sharedWithPortals: true,
      params: eventTypePath,
      responses: { 200: eventTypeOutSchema },
    },
    async ({ res, params }) => {
      const row = await getEventType(db, tenantOf(res), params.event_type_name, portalView(res));
      if (row === undefined) throw notFound('event type');
      res.json(eventTypeOut(row));
    },
  );

  routes.add(
    {
      method: 'put',
      path: '/event-type/:event_type_name',
      operationId: 'v1.event-type.update',
      summary: 'Replace an event type (creates it when the name is new)',
      tag,
      access: 'tenant',
      params: eventTypePath,
      body: eventTypeUpdate,
      responses: { 200: eventTypeOutSchema, 201: eventTypeOutSchema },
    },
    async ({ res, params, body }) => {
      const result = await upsertEventType(db, tenantOf(res), params.event_type_name, body, {
        maxPerTenant,
      });
      if ('reason' in result) throw tooManyEventTypes(result.limit);
      const { row, created } = result;
      res.status(created ? 201 : 200).json(eventTypeOut(row));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/event-type/:event_type_name',
      operationId: 'v1.event-type.patch',
      summary: 'Change some fields of an event type',
      tag,
      access: 'tenant',
      params: eventTypePath,
      body: eventTypePatch,
      responses: { 200: eventTypeOutSchema },
    },
    async ({ res, params, body }) => {
      const row = await updateEventType(db, tenantOf(res), params.event_type_name, body);
      if (row === undefined) throw notFound('event type');
      res.json(eventTypeOut(row));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/event-type/:event_type_name',
      operationId: 'v1.event-type.delete',
      summary: 'Archive an event type (or remove it with expunge=true)',
      tag,
      access: 'tenant',
      params: eventTypePath,
      query: z.object({ expunge: queryFlag(false) }),
      responses: { 204: null },
    },
    async ({ res, params, query }) => {
      const tenantId = tenantOf(res);
      const name = params.event_type_name;
      const found = query.expunge
        ? await expungeEventType(db, tenantId, name)
        : (await updateEventType(db, tenantId, name, { archived: true })) !== undefined;
      if (!found) throw notFound('event type');
      res.status(204).end();
    },
  );
}
