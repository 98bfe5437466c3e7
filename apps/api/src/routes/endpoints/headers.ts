import { updateEndpoint } from '@hookrail/db';
import { patchHeaders, sealHeaders } from '../../custom-headers.ts';
import { pathParam, type RouteTable } from '../../http/routes.ts';
import {
  endpointHeadersIn,
  endpointHeadersOut,
  endpointHeadersOutSchema,
  endpointHeadersPatchIn,
} from '../../schemas/endpoints.ts';
import type { RouteDeps } from '../deps.ts';
import { requireEndpoint } from '../lookups.ts';

/** /api/v1/app/{app_id}/endpoint/{endpoint_id}/headers: custom headers sent with each delivery. */
export function endpointHeaderRoutes(routes: RouteTable, deps: RouteDeps, tag: string): void {
  const { db } = deps;

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint/:endpoint_id/headers',
      operationId: 'v1.endpoint.get-headers',
      summary: "Get the endpoint's custom headers (sensitive values hidden)",
      tag,
      access: 'app',
      loadApp: true,
      responses: { 200: endpointHeadersOutSchema },
    },
    async ({ req, res, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      res.json(endpointHeadersOut(endpoint.headers));
    },
  );

  routes.add(
    {
      method: 'put',
      path: '/app/:app_id/endpoint/:endpoint_id/headers',
      operationId: 'v1.endpoint.update-headers',
      summary: "Replace the endpoint's custom headers",
      tag,
      access: 'app',
      loadApp: true,
      body: endpointHeadersIn,
      responses: { 204: null },
    },
    async ({ req, res, body, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      await updateEndpoint(db, { tenantId: app.tenantId, appId: app.id }, endpoint.id, {
        headers: sealHeaders(deps.vault, body.headers),
      });
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/app/:app_id/endpoint/:endpoint_id/headers',
      operationId: 'v1.endpoint.patch-headers',
      summary: 'Set some custom headers and remove others',
      tag,
      access: 'app',
      loadApp: true,
      body: endpointHeadersPatchIn,
      responses: { 204: null },
    },
    async ({ req, res, body, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      await patchHeaders(deps, { tenantId: app.tenantId, appId: app.id }, endpoint, {
        set: body.headers,
        remove: body.deleteHeaders ?? [],
      });
      res.status(204).end();
    },
  );
}
