import { z } from 'zod';
import type { RouteTable } from '../http/routes.ts';

/**
 * What the app portal link (`app-portal-access`, `dashboard-access`) opens until the dashboard
 * exists: a page saying so. The token travels in the fragment, which browsers never send, so
 * it reaches no server log.
 */
const page = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Webhooks portal</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}</style>
</head>
<body>
<h1>Webhooks portal</h1>
<p>The portal where you will manage your webhook endpoints is coming soon.</p>
<p>Until it is here, whoever sent you this link can set up your endpoints for you.</p>
</body>
</html>
`;

/** GET /dashboard/portal: the app portal page. */
export function portalPageRoutes(routes: RouteTable): void {
  routes.add(
    {
      method: 'get',
      path: '/dashboard/portal',
      operationId: 'hookrail.portal-page',
      summary: 'The app portal, as a web page (a placeholder until the dashboard exists)',
      tag: 'Reference',
      access: 'public',
      responses: { 200: z.string().meta({ description: 'text/html' }) },
    },
    ({ res }) => {
      res.set('referrer-policy', 'no-referrer').type('html').send(page);
    },
  );
}
