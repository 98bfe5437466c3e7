import { createApplication, findApplication } from '@hookrail/db';
import { isId } from '@hookrail/ids';
import { z } from 'zod';
import { notFound } from '../http/api-error.ts';
import { tenantOf } from '../http/locals.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import { applicationIn } from '../schemas/applications.ts';
import { token } from '../schemas/common.ts';
import type { RouteDeps } from './deps.ts';

const hour = 60 * 60;
const week = 7 * 24 * hour;

const portalAccessIn = z
  .strictObject({
    application: applicationIn
      .nullable()
      .optional()
      .meta({ description: 'Created when the application does not exist.' }),
    expiry: z
      .number({ error: `must be a number of seconds from ${hour} to ${week}` })
      .int({ error: `must be a number of seconds from ${hour} to ${week}` })
      .min(hour, { error: `must be a number of seconds from ${hour} to ${week}` })
      .max(week, { error: `must be a number of seconds from ${hour} to ${week}` })
      .nullable()
      .optional()
      .meta({ description: 'Seconds the token lasts; default 7 days.' }),
    sessionId: token(256).nullable().optional(),
    /** Accepted from Svix clients; a portal token may do everything within its application. */
    featureFlags: z.array(z.string().max(256)).max(50).optional(),
    readOnly: z.boolean().nullable().optional(),
    capabilities: z.array(z.string().max(64)).max(20).nullable().optional(),
  })
  .meta({ id: 'AppPortalAccessIn' });

const portalAccessOut = z
  .object({
    token: z.string().meta({ description: 'A Bearer credential for this application only.' }),
    url: z.string().meta({ description: 'The dashboard, signed in to this application.' }),
  })
  .meta({ id: 'AppPortalAccessOut' });

/** /api/v1/auth: credentials for a tenant's customers. */
export function authRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;

  routes.add(
    {
      method: 'post',
      path: '/auth/app-portal-access/:app_id',
      operationId: 'v1.authentication.app-portal-access',
      summary: 'A token and dashboard link limited to one application, for its owner',
      tag: 'Authentication',
      access: 'tenant',
      body: portalAccessIn,
      responses: { 200: portalAccessOut },
    },
    async ({ req, res, body }) => {
      const tenantId = tenantOf(res);
      const ref = pathParam(req, 'app_id');
      let app = await findApplication(db, tenantId, ref);
      if (app === undefined && body.application != null && !isId('application', ref)) {
        const created = await createApplication(db, tenantId, { ...body.application, uid: ref });
        app = created.ok ? created.app : await findApplication(db, tenantId, ref);
      }
      if (app === undefined) throw notFound('application');
      const token = await deps.portalTokens.issue(
        { tenantId, appId: app.id },
        body.expiry ?? week,
        body.sessionId ?? undefined,
      );
      res.json({ token, url: `${deps.publicUrl}/dashboard/portal#token=${token}` });
    },
  );
}
