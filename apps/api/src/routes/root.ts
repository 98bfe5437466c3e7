import { z } from 'zod';
import type { RouteTable } from '../http/routes.ts';

/** Where a person who opens the server's address should go next. */
const links = {
  dashboard: '/dashboard',
  reference: '/docs',
  openapi: '/api/v1/openapi.json',
  health: '/health',
} as const;

const rootOut = z
  .object({
    name: z.literal('hookrail'),
    dashboard: z.string(),
    reference: z.string(),
    openapi: z.string(),
    health: z.string(),
  })
  .meta({ id: 'RootOut' });

const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hookrail</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style>
</head>
<body>
<h1>Hookrail</h1>
<p>This server delivers webhooks.</p>
<ul>
<li><a href="${links.dashboard}">The dashboard</a>: the delivery log, sign in with an API key.</li>
<li><a href="${links.reference}">The API reference</a> (<a href="${links.openapi}">OpenAPI</a>).</li>
<li><a href="${links.health}">Health</a>.</li>
</ul>
</body>
</html>
`;

/**
 * GET /: a page pointing a person to the dashboard and the API reference; JSON with the same
 * links for a client that asks for JSON rather than HTML.
 */
export function rootRoute(routes: RouteTable): void {
  routes.add(
    {
      method: 'get',
      path: '/',
      operationId: 'hookrail.root',
      summary: 'Links to the dashboard and the API reference (HTML, or JSON when asked)',
      tag: 'Reference',
      access: 'public',
      responses: { 200: rootOut },
    },
    ({ req, res }) => {
      if (req.accepts(['html', 'json']) === 'html') res.type('html').send(page);
      else res.json({ name: 'hookrail', ...links });
    },
  );
}
