import {
  createEndpoint,
  currentSecret,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  operationalEventTypes,
  systemApplication,
  updateEndpoint,
  type ApplicationRow,
} from '@hookrail/db';
import type { Response } from 'express';
import { notFound } from '../http/api-error.ts';
import { listQuery } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import {
  endpointHeadersIn,
  endpointHeadersOut,
  endpointHeadersOutSchema,
  endpointIn,
  endpointList,
  endpointOut,
  endpointOutSchema,
  endpointSecretOut,
  endpointUpdate,
  secretRotateIn,
} from '../schemas/endpoints.ts';
import { checkEndpointUrl, type RouteDeps } from './deps.ts';
import { rotate, secretMaterial, shownSecret, written } from './endpoints/index.ts';

const tag = 'Operational Webhook';
const base = '/operational-webhook/endpoint';
const allowed = { allowedFilterTypes: operationalEventTypes };

const operationalEndpointIn = endpointIn.meta({ id: 'OperationalWebhookEndpointIn' });
const operationalEndpointUpdate = endpointUpdate.meta({ id: 'OperationalWebhookEndpointUpdate' });

/**
 * /api/v1/operational-webhook/endpoint: where a tenant receives Hookrail's events about its
 * own account (endpoint.created/updated/deleted/disabled, message.attempt.failing/exhausted/
 * recovered), signed and retried like any webhook. Filter with `filterTypes` on those names.
 */
export function operationalWebhookRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;

  async function opsApp(res: Response, create: boolean): Promise<ApplicationRow> {
    const app = await systemApplication(db, tenantOf(res), create);
    if (app === undefined) throw notFound('endpoint');
    return app;
  }

  async function requireOpsEndpoint(res: Response, ref: string) {
    const app = await opsApp(res, false);
    const endpoint = await findEndpoint(db, { tenantId: app.tenantId, appId: app.id }, ref);
    if (endpoint === undefined) throw notFound('endpoint');
    return { app, endpoint };
  }

  routes.add(
    {
      method: 'get',
      path: base,
      operationId: 'v1.operational-webhook-endpoint.list',
      summary: 'List operational webhook endpoints',
      tag,
      access: 'tenant',
      query: listQuery('ascending'),
      responses: { 200: endpointList },
    },
    async ({ res, query }) => {
      const app = await systemApplication(db, tenantOf(res), false);
      if (app === undefined) {
        res.json({ data: [], iterator: null, prevIterator: null, done: true });
        return;
      }
      const page = await listEndpoints(db, { tenantId: app.tenantId, appId: app.id }, query);
      res.json({ ...page, data: page.data.map(endpointOut) });
    },
  );

  routes.add(
    {
      method: 'post',
      path: base,
      operationId: 'v1.operational-webhook-endpoint.create',
      summary: 'Create an operational webhook endpoint',
      tag,
      access: 'tenant',
      body: operationalEndpointIn,
      responses: { 201: endpointOutSchema },
    },
    async ({ res, body }) => {
      checkEndpointUrl(deps, body.fields.url);
      const app = await opsApp(res, true);
      const result = await createEndpoint(
        db,
        { tenantId: app.tenantId, appId: app.id },
        body.fields,
        secretMaterial(deps.vault, body.secret, body.keyType),
        allowed,
      );
      res.status(201).json(written(result));
    },
  );

  routes.add(
    {
      method: 'get',
      path: `${base}/:endpoint_id`,
      operationId: 'v1.operational-webhook-endpoint.get',
      summary: 'Get an operational webhook endpoint',
      tag,
      access: 'tenant',
      responses: { 200: endpointOutSchema },
    },
    async ({ req, res }) => {
      res.json(
        endpointOut((await requireOpsEndpoint(res, pathParam(req, 'endpoint_id'))).endpoint),
      );
    },
  );

  routes.add(
    {
      method: 'put',
      path: `${base}/:endpoint_id`,
      operationId: 'v1.operational-webhook-endpoint.update',
      summary: 'Replace an operational webhook endpoint',
      tag,
      access: 'tenant',
      body: operationalEndpointUpdate,
      responses: { 200: endpointOutSchema },
    },
    async ({ req, res, body }) => {
      checkEndpointUrl(deps, body.url);
      const { app, endpoint } = await requireOpsEndpoint(res, pathParam(req, 'endpoint_id'));
      const result = await updateEndpoint(
        db,
        { tenantId: app.tenantId, appId: app.id },
        endpoint.id,
        body,
        allowed,
      );
      if (result === undefined) throw notFound('endpoint');
      res.json(written(result));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: `${base}/:endpoint_id`,
      operationId: 'v1.operational-webhook-endpoint.delete',
      summary: 'Delete an operational webhook endpoint',
      tag,
      access: 'tenant',
      responses: { 204: null },
    },
    async ({ req, res }) => {
      const { app, endpoint } = await requireOpsEndpoint(res, pathParam(req, 'endpoint_id'));
      const { deleted } = await deleteEndpoint(
        db,
        { tenantId: app.tenantId, appId: app.id },
        endpoint.id,
      );
      if (!deleted) throw notFound('endpoint');
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'get',
      path: `${base}/:endpoint_id/secret`,
      operationId: 'v1.operational-webhook-endpoint.get-secret',
      summary: "Get an operational webhook endpoint's signing secret",
      tag,
      access: 'tenant',
      responses: { 200: endpointSecretOut },
    },
    async ({ req, res }) => {
      const { app, endpoint } = await requireOpsEndpoint(res, pathParam(req, 'endpoint_id'));
      const secret = await currentSecret(db, app.tenantId, endpoint.id);
      if (secret === undefined) throw notFound('endpoint');
      res.json({ key: shownSecret(deps.vault, secret) });
    },
  );

  routes.add(
    {
      method: 'post',
      path: `${base}/:endpoint_id/secret/rotate`,
      operationId: 'v1.operational-webhook-endpoint.rotate-secret',
      summary: "Rotate an operational webhook endpoint's signing secret",
      tag,
      access: 'tenant',
      body: secretRotateIn,
      responses: { 204: null },
    },
    async ({ req, res, body }) => {
      const { app, endpoint } = await requireOpsEndpoint(res, pathParam(req, 'endpoint_id'));
      await rotate(deps, { tenantId: app.tenantId, endpointId: endpoint.id }, body);
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'get',
      path: `${base}/:endpoint_id/headers`,
      operationId: 'v1.operational-webhook-endpoint.get-headers',
      summary: "Get an operational webhook endpoint's custom headers (sensitive values hidden)",
      tag,
      access: 'tenant',
      responses: { 200: endpointHeadersOutSchema },
    },
    async ({ req, res }) => {
      const { endpoint } = await requireOpsEndpoint(res, pathParam(req, 'endpoint_id'));
      res.json(endpointHeadersOut(endpoint.headers));
    },
  );

  routes.add(
    {
      method: 'put',
      path: `${base}/:endpoint_id/headers`,
      operationId: 'v1.operational-webhook-endpoint.update-headers',
      summary: "Replace an operational webhook endpoint's custom headers",
      tag,
      access: 'tenant',
      body: endpointHeadersIn,
      responses: { 204: null },
    },
    async ({ req, res, body }) => {
      const { app, endpoint } = await requireOpsEndpoint(res, pathParam(req, 'endpoint_id'));
      await updateEndpoint(db, { tenantId: app.tenantId, appId: app.id }, endpoint.id, {
        headers: body.headers,
      });
      res.status(204).end();
    },
  );
}
