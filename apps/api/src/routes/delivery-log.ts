import {
  deliveryStatuses,
  findEndpoint,
  listDeliveryLog,
  type ApplicationRow,
  type DeliveryLogRow,
} from '@hookrail/db';
import { isId, type Id } from '@hookrail/ids';
import { z } from 'zod';
import { notFound } from '../http/api-error.ts';
import { listQuery, queryDate, queryList } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import type { RouteTable } from '../http/routes.ts';
import { fieldError } from '../http/validate.ts';
import { dateTime, eventTypeName, listOf, token } from '../schemas/common.ts';
import type { RouteDeps } from './deps.ts';
import { requireApp } from './lookups.ts';

const tag = 'Delivery Log';

const deliveryQuery = listQuery('descending').extend({
  endpoint_id: token(256).optional().meta({ description: 'An endpoint id or uid.' }),
  event_types: queryList(eventTypeName).optional(),
  status: queryList(z.enum(deliveryStatuses, { error: `must be ${deliveryStatuses.join(', ')}` }))
    .optional()
    .meta({ description: `Any of ${deliveryStatuses.join(', ')}; repeat or comma-separate.` }),
  before: queryDate.optional().meta({ description: 'Only deliveries created before this.' }),
  after: queryDate.optional().meta({ description: 'Only deliveries created after this.' }),
  msg_id: z
    .string()
    .transform((value, ctx): Id<'message'> => {
      if (isId('message', value)) return value;
      ctx.addIssue({ code: 'custom', message: 'must be a message id (msg_…)' });
      return z.NEVER;
    })
    .optional()
    .meta({ description: 'Only the deliveries of this message.' }),
  event_id: token(256)
    .optional()
    .meta({ description: "Only the deliveries of the message with this eventId (the tenant's)." }),
  tag: token(128).optional().meta({
    description: 'Only the deliveries of messages with this tag (best with a time window).',
  }),
});

const deliveryLogOut = z
  .object({
    id: z.string().meta({ example: 'dlv_01m813tja2qcmerffxqjegkrth' }),
    msgId: z.string(),
    appId: z.string(),
    appUid: z.string().nullable(),
    appName: z.string(),
    endpointId: z.string(),
    endpointUrl: z.string(),
    eventType: z.string(),
    eventId: z.string().nullable(),
    deliveryStatus: z.enum(deliveryStatuses),
    attemptCount: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    nextAttempt: dateTime.nullable().meta({ description: 'When the next attempt is due.' }),
    createdAt: dateTime,
    updatedAt: dateTime,
  })
  .meta({ id: 'DeliveryLogOut' });

function deliveryOut(row: DeliveryLogRow): z.input<typeof deliveryLogOut> {
  const { delivery } = row;
  return {
    id: delivery.id,
    msgId: delivery.messageId,
    appId: delivery.appId,
    appUid: row.appUid,
    appName: row.appName,
    endpointId: delivery.endpointId,
    endpointUrl: row.endpointUrl,
    eventType: row.eventType,
    eventId: row.eventId,
    deliveryStatus: delivery.status,
    attemptCount: delivery.attemptCount,
    lastStatusCode: delivery.lastStatusCode,
    nextAttempt: delivery.nextAttemptAt?.toISOString() ?? null,
    createdAt: delivery.createdAt.toISOString(),
    updatedAt: delivery.updatedAt.toISOString(),
  };
}

/**
 * The delivery log: one line per message and endpoint, newest first, across the tenant's
 * applications (`/delivery`) or within one (`/app/{app_id}/delivery`, which portal tokens may
 * read). A message sent to three endpoints is three lines with the same `msgId`.
 */
export function deliveryLogRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;

  async function list(
    tenantId: Id<'tenant'>,
    app: ApplicationRow | undefined,
    query: z.output<typeof deliveryQuery>,
  ) {
    let endpointId: Id<'endpoint'> | undefined;
    if (query.endpoint_id !== undefined) {
      if (app === undefined) {
        throw fieldError(['query', 'endpoint_id'], 'needs app_id: name the endpoint’s application');
      }
      const endpoint = await findEndpoint(db, { tenantId, appId: app.id }, query.endpoint_id);
      if (endpoint === undefined) throw notFound('endpoint');
      endpointId = endpoint.id;
    }
    const page = await listDeliveryLog(db, tenantId, {
      ...query,
      appId: app?.id,
      endpointId,
      eventTypes: query.event_types,
      statuses: query.status,
      messageId: query.msg_id,
      eventId: query.event_id,
    });
    return { ...page, data: page.data.map(deliveryOut) };
  }

  routes.add(
    {
      method: 'get',
      path: '/delivery',
      operationId: 'hookrail.delivery.list',
      summary: "The tenant's deliveries across applications, newest first",
      tag,
      access: 'tenant',
      query: deliveryQuery.extend({
        app_id: token(256).optional().meta({ description: 'An application id or uid.' }),
      }),
      responses: { 200: listOf(deliveryLogOut, 'DeliveryLogOut') },
    },
    async ({ res, query }) => {
      const app = query.app_id === undefined ? undefined : await requireApp(db, res, query.app_id);
      res.json(await list(tenantOf(res), app, query));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/delivery',
      operationId: 'hookrail.delivery.list-by-app',
      summary: "An application's deliveries, newest first",
      tag,
      access: 'app',
      loadApp: true,
      query: deliveryQuery,
      responses: { 200: listOf(deliveryLogOut, 'DeliveryLogOut') },
    },
    async ({ res, query, app }) => {
      res.json(await list(app.tenantId, app, query));
    },
  );
}
