import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Metrics } from './metrics.ts';
import { metricsAuthorized, metricsUnauthorized } from './metrics-token.ts';

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * A process without the API (a worker on its own) serves its metrics here: `GET /metrics`,
 * with the same token rule as the API's, and `GET /health/live`, its liveness probe as the
 * API's (200 while the process answers; no token, nothing touched); anything else is 404.
 * Plain node:http, since the worker has no HTTP framework and needs none for two routes.
 */
export async function serveMetrics(options: {
  metrics: Metrics;
  port: number;
  /** @defaultValue all interfaces */
  host?: string;
  token: string | undefined;
}): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: object) =>
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'GET' && path === '/health/live') {
      reply(200, { status: 'ok' });
      return;
    }
    if (req.method !== 'GET' || path !== '/metrics') {
      reply(404, {
        code: 'not_found',
        detail: 'Only GET /metrics and GET /health/live are served here.',
      });
      return;
    }
    if (!metricsAuthorized(req.headers.authorization, options.token)) {
      reply(401, metricsUnauthorized);
      return;
    }
    options.metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      () => reply(500, { code: 'internal', detail: 'The metrics could not be collected.' }),
    );
  });
  server.listen(options.port, options.host);
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port, // listening on TCP, so never a string
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
