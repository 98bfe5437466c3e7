import { revokeApplicationTokens, revokePortalToken } from '@hookrail/db';
import { z } from 'zod';
import { forbidden } from '../http/api-error.ts';
import type { RouteTable } from '../http/routes.ts';
import { token } from '../schemas/common.ts';
import { portalAccess, portalAccessOut } from './auth.ts';
import { queueAfterCommit, type RouteDeps } from './deps.ts';

const tag = 'Authentication';
const week = 7 * 24 * 60 * 60;

const expireAllIn = z
  .strictObject({
    expiry: z
      .number({ error: `must be a number of seconds from 0 to ${week}` })
      .int({ error: `must be a number of seconds from 0 to ${week}` })
      .min(0, { error: `must be a number of seconds from 0 to ${week}` })
      .max(week, { error: `must be a number of seconds from 0 to ${week}` })
      .nullable()
      .optional()
      .meta({ description: 'Seconds until the tokens stop working; default 0 (at once).' }),
    sessionIds: z
      .array(token(256))
      .max(100)
      .optional()
      .meta({ description: 'Only the tokens issued with these session ids.' }),
  })
  .meta({ id: 'ApplicationTokenExpireIn' });

/**
 * Ending app portal sessions (logout, expire-all), and Svix 1.x's name for issuing one
 * (dashboard-access). Revocations are rows in Postgres, so they hold on every API instance.
 */
export function portalSessionRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;

  /**
   * Status stream connections of the tenant check their credentials again now, on every API
   * instance, so that a revoked token's connection is closed with 4401 at once.
   */
  const recheckStream = (tenantId: string) =>
    queueAfterCommit(deps, [], { event: 'portal revocation' }, [
      { tenantId, type: 'credentials.changed', data: {} },
    ]);

  routes.add(
    {
      method: 'post',
      path: '/auth/logout',
      operationId: 'v1.authentication.logout',
      summary: 'End the app portal session of the token used: it stops working at once',
      tag,
      access: 'app',
      ownSession: true,
      // Ending its own session is open to every portal token, read-only ones included.
      capability: 'ViewBase',
      responses: { 204: null },
    },
    async ({ res }) => {
      const auth = res.locals.auth;
      if (auth?.portal === undefined) {
        throw forbidden(
          'Only an app portal token can log out; API keys are revoked by the operator.',
        );
      }
      await revokePortalToken(db, auth.portal);
      await recheckStream(auth.portal.tenantId);
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/auth/app/:app_id/expire-all',
      operationId: 'v1.authentication.expire-all',
      summary: "Revoke the application's app portal tokens (or those of some sessions)",
      tag,
      access: 'tenant',
      loadApp: true,
      body: expireAllIn,
      responses: { 204: null },
    },
    async ({ res, body, app }) => {
      await revokeApplicationTokens(
        db,
        { tenantId: app.tenantId, appId: app.id },
        { sessionIds: body.sessionIds, delaySeconds: body.expiry ?? 0 },
      );
      // A revocation with a delay is caught by the periodic check once it is in force.
      if ((body.expiry ?? 0) === 0) await recheckStream(app.tenantId);
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/auth/dashboard-access/:app_id',
      operationId: 'v1.authentication.dashboard-access',
      summary: 'Svix 1.x: a token and dashboard link for one application (as app-portal-access)',
      tag,
      access: 'tenant',
      loadApp: true,
      responses: { 200: portalAccessOut.meta({ id: 'DashboardAccessOut' }) },
    },
    async ({ res, app }) => {
      res.json(await portalAccess(deps, { tenantId: app.tenantId, appId: app.id }, week, {}));
    },
  );
}
