import { metricsAuthorized, metricsUnauthorized, type Metrics } from '@hookrail/telemetry';
import { z } from 'zod';
import type { RouteTable } from '../http/routes.ts';

/**
 * GET /metrics: Prometheus text format. With `HOOKRAIL_METRICS_TOKEN` set, only
 * `Authorization: Bearer <token>` opens it (401 `unauthorized` otherwise).
 */
export function metricsRoute(
  routes: RouteTable,
  deps: { metrics: Metrics; metricsToken: string | undefined },
): void {
  routes.add(
    {
      method: 'get',
      path: '/metrics',
      operationId: 'hookrail.metrics',
      summary: 'Prometheus metrics (a bearer token when HOOKRAIL_METRICS_TOKEN is set)',
      tag: 'Health',
      access: 'public',
      responses: {
        200: z.string().meta({ description: 'text/plain; version=0.0.4' }),
        401: z.object({ code: z.string(), detail: z.string() }).meta({ id: 'MetricsRefused' }),
      },
    },
    async ({ req, res }) => {
      if (!metricsAuthorized(req.get('authorization'), deps.metricsToken)) {
        res.status(401).set('www-authenticate', 'Bearer').json(metricsUnauthorized);
        return;
      }
      const { contentType, body } = await deps.metrics.render();
      res.type(contentType).send(body);
    },
  );
}
