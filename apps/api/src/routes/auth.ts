import { createApplication, findApplication } from '@hookrail/db';
import { isId, type Id } from '@hookrail/ids';
import { z } from 'zod';
import { notFound } from '../http/api-error.ts';
import { tenantOf } from '../http/locals.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import { portalCapabilities, type PortalGrant } from '../portal-tokens.ts';
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
    featureFlags: z
      .array(z.string().max(256))
      .max(50)
      .optional()
      .meta({
        description:
          'The feature flags whose event types the token may see: an event type with a ' +
          'feature flag is listed to a portal token only when the token carries one of its flags.',
      }),
    readOnly: z
      .boolean()
      .nullable()
      .optional()
      .meta({ description: 'Only reading (ViewBase), whatever capabilities says.' }),
    capabilities: z
      .array(
        z.enum(portalCapabilities, { error: `must be one of ${portalCapabilities.join(', ')}` }),
      )
      .max(portalCapabilities.length)
      .nullable()
      .optional()
      .meta({ description: 'What the token may do; absent: everything. ViewBase is implied.' }),
  })
  .meta({ id: 'AppPortalAccessIn' });

export const portalAccessOut = z
  .object({
    token: z.string().meta({ description: 'A Bearer credential for this application only.' }),
    url: z.string().meta({
      description:
        "The application's subscriber portal (/dashboard/portal/{app_id}), the token in the " +
        'fragment, which browsers never send to a server.',
    }),
  })
  .meta({ id: 'AppPortalAccessOut' });

/** A portal token and the dashboard link that signs in with it. */
export async function portalAccess(
  deps: Pick<RouteDeps, 'portalTokens' | 'publicUrl'>,
  scope: { tenantId: Id<'tenant'>; appId: Id<'application'> },
  ttlSeconds: number,
  grant: PortalGrant,
): Promise<{ token: string; url: string }> {
  const token = await deps.portalTokens.issue(scope, ttlSeconds, grant);
  // The application in the path, so the page's server knows whose portal it serves (and its
  // framing rules); the token in the fragment, which browsers never send to a server.
  return {
    token,
    url: `${deps.publicUrl}/dashboard/portal/${scope.appId}#token=${token}`,
  };
}

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
      res.json(
        await portalAccess(deps, { tenantId, appId: app.id }, body.expiry ?? week, {
          capabilities: body.capabilities ?? undefined,
          readOnly: body.readOnly ?? undefined,
          sessionId: body.sessionId ?? undefined,
          featureFlags: body.featureFlags,
        }),
      );
    },
  );
}
