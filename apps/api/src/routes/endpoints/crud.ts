import {
  createEndpoint,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
  type ApplicationRow,
  type EndpointFields,
  type EndpointRow,
  type EndpointWrite,
  type EndpointWriteOptions,
  type Announced,
  type Cancellation,
} from '@hookrail/db';
import { isId } from '@hookrail/ids';
import { deliveriesCanceled, resetEndpointBreaker, taskProgress } from '@hookrail/queue';
import type { SigningKey } from '@hookrail/signing';
import { conflict, notFound } from '../../http/api-error.ts';
import { listQuery } from '../../http/list-query.ts';
import { pathParam, type RouteTable } from '../../http/routes.ts';
import { fieldError } from '../../http/validate.ts';
import {
  endpointIn,
  endpointList,
  endpointOut,
  endpointOutSchema,
  endpointPatch,
  endpointUpdate,
} from '../../schemas/endpoints.ts';
import { checkEndpointUrl, queueAfterCommit, type RouteDeps } from '../deps.ts';
import { requireEndpoint } from '../lookups.ts';
import { secretMaterial } from './secrets.ts';
import { sealHeaders } from '../../custom-headers.ts';
import { defaultTenantBounds, limitExceeded } from '../../limits.ts';

/** The endpoint a write produced, or the 409/422 that refused it. */
export function written(result: EndpointWrite) {
  if (result.ok) return endpointOut(result.endpoint);
  if (result.reason === 'uid_taken')
    throw conflict('Another endpoint of this application already has this uid.');
  if (result.reason === 'too_many_endpoints') {
    throw limitExceeded(
      ['body'],
      `an application may have at most ${result.limit} endpoints; delete one first`,
      'too_many_endpoints',
    );
  }
  throw fieldError(
    ['body', 'filterTypes'],
    `names event types that do not exist or are archived: ${result.names.join(', ')}; create them first`,
  );
}

const scopeOf = (app: ApplicationRow) => ({ tenantId: app.tenantId, appId: app.id });

/** Tenant endpoints announce their changes to the tenant's operational webhooks. */
const announced = (app: ApplicationRow): EndpointWriteOptions => ({
  announce: { appUid: app.uid },
});

/** Create, read, replace, change and delete an application's endpoints. */
export function endpointCrudRoutes(routes: RouteTable, deps: RouteDeps, tag: string): void {
  const { db } = deps;

  async function create(
    app: ApplicationRow,
    fields: EndpointFields,
    key: SigningKey | null,
    keyType: 'hmac' | 'ed25519' = 'hmac',
  ) {
    const secret = secretMaterial(deps.vault, key, keyType);
    const stored = { ...fields, headers: sealHeaders(deps.vault, fields.headers) };
    const maxPerApp = (deps.tenantBounds ?? defaultTenantBounds).endpointsPerApp;
    return after(
      await createEndpoint(db, scopeOf(app), stored, secret, { ...announced(app), maxPerApp }),
    );
  }

  /**
   * Queues the operational webhooks a write raised, with its events for the status stream
   * (appended first, in the same round trip): the operational events, then a `delivery.canceled`
   * for each delivery a deletion canceled and a `task.progress` for each retry task that
   * counted some of them. Passes the write on.
   */
  async function after<T extends (Announced & Partial<Cancellation>) | { ok: false }>(
    result: T,
  ): Promise<T> {
    if ('followUps' in result) {
      const jobs = result.followUps.map((d) => ({
        deliveryId: d.id,
        endpointId: d.endpointId,
        attempt: 1,
      }));
      const events = [
        ...result.raised.map(({ tenantId, event }) => ({
          tenantId,
          type: event.type,
          data: { ...event.data },
        })),
        ...deliveriesCanceled(result.canceled ?? [], 'endpoint_deleted', Date.now()),
        ...(result.tasks ?? []).map(taskProgress),
      ];
      await queueAfterCommit(deps, jobs, { event: 'endpoint' }, events);
    }
    return result;
  }

  /** A disabled endpoint enabled again starts with a closed breaker (best effort: Redis may be away). */
  async function reopened(before: EndpointRow, disabled: boolean | undefined) {
    if (!before.disabled || disabled !== false) return;
    await resetEndpointBreaker(deps.redis, deps.redisPrefix, before.id).catch((error: unknown) => {
      deps.logger.warn(
        { err: error, endpointId: before.id },
        'could not reset the circuit breaker',
      );
    });
  }

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/endpoint',
      operationId: 'v1.endpoint.create',
      summary: 'Create an endpoint',
      tag,
      access: 'app',
      loadApp: true,
      body: endpointIn,
      responses: { 201: endpointOutSchema },
    },
    async ({ res, body, app }) => {
      checkEndpointUrl(deps, body.fields.url);
      res.status(201).json(written(await create(app, body.fields, body.secret, body.keyType)));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint',
      operationId: 'v1.endpoint.list',
      summary: 'List endpoints',
      tag,
      access: 'app',
      loadApp: true,
      query: listQuery('ascending'),
      responses: { 200: endpointList },
    },
    async ({ res, query, app }) => {
      const page = await listEndpoints(db, scopeOf(app), query);
      res.json({ ...page, data: page.data.map(endpointOut) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint/:endpoint_id',
      operationId: 'v1.endpoint.get',
      summary: 'Get an endpoint',
      tag,
      access: 'app',
      loadApp: true,
      responses: { 200: endpointOutSchema },
    },
    async ({ req, res, app }) => {
      res.json(endpointOut(await requireEndpoint(db, app, pathParam(req, 'endpoint_id'))));
    },
  );

  routes.add(
    {
      method: 'put',
      path: '/app/:app_id/endpoint/:endpoint_id',
      operationId: 'v1.endpoint.update',
      summary:
        'Replace an endpoint (not its secret or headers); creates it when addressed by a new uid',
      tag,
      access: 'app',
      loadApp: true,
      body: endpointUpdate,
      responses: { 200: endpointOutSchema, 201: endpointOutSchema },
    },
    async ({ req, res, body, app }) => {
      checkEndpointUrl(deps, body.url);
      const ref = pathParam(req, 'endpoint_id');
      const existing = await findEndpoint(db, scopeOf(app), ref);
      if (existing !== undefined) {
        const result = await updateEndpoint(db, scopeOf(app), existing.id, body, announced(app));
        if (result === undefined) throw notFound('endpoint');
        await after(result);
        await reopened(existing, body.disabled);
        res.json(written(result));
        return;
      }
      if (isId('endpoint', ref)) throw notFound('endpoint');
      if (body.uid !== null && body.uid !== ref) {
        throw fieldError(['body', 'uid'], 'must match the uid in the path when creating by uid');
      }
      res.status(201).json(written(await create(app, { ...body, uid: ref, headers: {} }, null)));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/app/:app_id/endpoint/:endpoint_id',
      operationId: 'v1.endpoint.patch',
      summary: 'Change some fields of an endpoint',
      tag,
      access: 'app',
      loadApp: true,
      body: endpointPatch,
      responses: { 200: endpointOutSchema },
    },
    async ({ req, res, body, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      checkEndpointUrl(deps, body.fields.url);
      const result = await updateEndpoint(
        db,
        scopeOf(app),
        endpoint.id,
        body.fields,
        announced(app),
      );
      if (result === undefined) throw notFound('endpoint');
      const out = written(await after(result));
      await reopened(endpoint, body.fields.disabled);
      if (body.secret !== undefined) {
        await rotateSecret(
          db,
          { tenantId: app.tenantId, endpointId: endpoint.id },
          secretMaterial(deps.vault, body.secret),
          0,
        );
      }
      res.json(out);
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/app/:app_id/endpoint/:endpoint_id',
      operationId: 'v1.endpoint.delete',
      summary: 'Delete an endpoint; its pending deliveries are canceled',
      tag,
      access: 'app',
      loadApp: true,
      responses: { 204: null },
    },
    async ({ req, res, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const removed = await after(
        await deleteEndpoint(db, scopeOf(app), endpoint.id, announced(app)),
      );
      if (!removed.deleted) throw notFound('endpoint');
      res.status(204).end();
    },
  );
}
