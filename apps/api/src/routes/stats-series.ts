import { deliverySeries, type SeriesBucket, type SeriesScope } from '@hookrail/db';
import type { z } from 'zod';
import { tenantOf } from '../http/locals.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import { seriesOut, seriesQuery, tenantSeriesQuery, type SeriesWindow } from '../schemas/series.ts';
import type { RouteDeps } from './deps.ts';
import { requireApp, requireEndpoint } from './lookups.ts';

const tag = 'Statistics';

function out(window: SeriesWindow, buckets: SeriesBucket[]): z.input<typeof seriesOut> {
  return {
    since: window.since.toISOString(),
    until: window.until.toISOString(),
    interval: window.interval,
    data: buckets.map((b) => ({ ...b, start: b.start.toISOString() })),
  };
}

/**
 * Delivery counts over time, for charts: deliveries created in each bucket by their status
 * now, for the tenant (optionally one application) or for one endpoint.
 */
export function statsSeriesRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;
  const series = async (scope: SeriesScope, window: SeriesWindow) =>
    out(window, await deliverySeries(db, scope, window));

  routes.add(
    {
      method: 'get',
      path: '/stats/series',
      operationId: 'hookrail.stats.series',
      summary: "The tenant's deliveries over time (optionally one application's), by status",
      tag,
      access: 'tenant',
      query: tenantSeriesQuery,
      responses: { 200: seriesOut },
    },
    async ({ res, query }) => {
      const app = query.appId === undefined ? undefined : await requireApp(db, res, query.appId);
      res.json(await series({ tenantId: tenantOf(res), appId: app?.id }, query));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint/:endpoint_id/stats/series',
      operationId: 'hookrail.endpoint.stats-series',
      summary: "The endpoint's deliveries over time, by status (its success rate)",
      tag,
      access: 'app',
      loadApp: true,
      query: seriesQuery,
      responses: { 200: seriesOut },
    },
    async ({ req, res, query, app }) => {
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      res.json(
        await series({ tenantId: app.tenantId, appId: app.id, endpointId: endpoint.id }, query),
      );
    },
  );
}
