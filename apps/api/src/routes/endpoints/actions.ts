import { createMessage, endpointStats, getEventType } from '@hookrail/db';
import { pathParam, type RouteTable } from '../../http/routes.ts';
import { fieldError } from '../../http/validate.ts';
import { endpointStatsOut, endpointStatsQuery, eventExampleIn } from '../../schemas/endpoints.ts';
import { messageOut, messageOutSchema } from '../../schemas/messages.ts';
import { messageAccepted } from '../../stream/accepted.ts';
import { queueAfterCommit, type RouteDeps } from '../deps.ts';
import { requireEndpoint } from '../lookups.ts';
import { newestSchema } from '../../payload-schemas/index.ts';

/** Trying an endpoint out and counting its deliveries. */
export function endpointActionRoutes(routes: RouteTable, deps: RouteDeps, tag: string): void {
  const { db } = deps;

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/endpoint/:endpoint_id/send-example',
      operationId: 'v1.endpoint.send-example',
      summary:
        "Send an example message of an event type to this endpoint only (from its schema's examples)",
      tag,
      access: 'app',
      loadApp: true,
      capability: 'CreateAttempts',
      body: eventExampleIn,
      responses: { 202: messageOutSchema },
    },
    async ({ req, res, body, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const eventType = await getEventType(db, app.tenantId, body.eventType);
      if (eventType === undefined)
        throw fieldError(['body', 'eventType'], 'is not an event type of yours');
      const created = await createMessage(
        db,
        {
          tenantId: app.tenantId,
          appId: app.id,
          eventType: eventType.name,
          eventId: null,
          channels: null,
          tags: ['example'],
          payload: JSON.stringify(examplePayload(eventType.schemas, body.exampleIndex ?? 0)),
          deliverAt: null,
        },
        endpoint.id,
      );
      if (!created.ok) throw new Error('an example message without eventId cannot be a duplicate');
      await queueAfterCommit(
        deps,
        created.deliveries.map((d) => ({
          deliveryId: d.id,
          endpointId: d.endpointId,
          attempt: 1,
          tenantId: app.tenantId,
        })),
        { messageId: created.message.id },
        [messageAccepted(created)],
      );
      res.status(202).json(messageOut(created.message));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint/:endpoint_id/stats',
      operationId: 'v1.endpoint.get-stats',
      summary: "Count the endpoint's deliveries by status",
      tag,
      access: 'app',
      loadApp: true,
      query: endpointStatsQuery,
      responses: { 200: endpointStatsOut },
    },
    async ({ req, res, query, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const stats = await endpointStats(
        db,
        { tenantId: app.tenantId, endpointId: endpoint.id },
        {
          since: query.since === undefined ? undefined : new Date(query.since),
          until: query.until === undefined ? undefined : new Date(query.until),
        },
      );
      res.json({
        success: stats.succeeded,
        pending: stats.pending,
        sending: stats.sending,
        fail: stats.failed,
        canceled: stats.canceled,
      });
    },
  );
}

/**
 * The example payload of an event type: `examples[index]` of its newest schema version when
 * there is one, else an object naming the type.
 */
function examplePayload(schemas: Record<string, unknown> | null, index: number): object {
  const schema = newestSchema(schemas);
  if (schema !== undefined && 'examples' in schema && Array.isArray(schema.examples)) {
    const example: unknown = schema.examples[index];
    if (typeof example === 'object' && example !== null && !Array.isArray(example)) return example;
  }
  return { example: true };
}
