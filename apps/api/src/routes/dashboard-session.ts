import { authenticateApiKey, type Db } from '@hookrail/db';
import type { Response } from 'express';
import { z } from 'zod';
import { unauthorized } from '../http/api-error.ts';
import { bearerToken } from '../http/auth.ts';
import type { RouteTable } from '../http/routes.ts';
import {
  requireSameOrigin,
  sessionTtlSeconds,
  type DashboardSession,
  type DashboardSessions,
} from '../http/session.ts';
import { dateTime, errorOut } from '../schemas/common.ts';

const tag = 'Dashboard';
const path = '/api/v1/dashboard/session';

const sessionOut = z
  .object({
    signedIn: z.boolean(),
    tenantId: z.string().optional(),
    tenantName: z.string().optional(),
    expiresAt: dateTime.optional().meta({ description: 'When the operator must sign in again.' }),
  })
  .meta({ id: 'DashboardSessionOut' });

function sessionBody(session: DashboardSession | undefined): z.input<typeof sessionOut> {
  if (session === undefined) return { signedIn: false };
  return {
    signedIn: true,
    tenantId: session.tenantId,
    tenantName: session.tenantName,
    expiresAt: session.expiresAt.toISOString(),
  };
}

/**
 * /api/v1/dashboard/session: operator sign-in for the dashboard. The page never stores the
 * API key; it exchanges it once for a session cookie, then calls the REST API with the cookie.
 */
export function dashboardSessionRoutes(
  routes: RouteTable,
  deps: { db: Db; sessions: DashboardSessions },
): void {
  const { db, sessions } = deps;
  const noStore = (res: Response) => res.setHeader('cache-control', 'no-store');

  routes.add(
    {
      method: 'get',
      path,
      operationId: 'hookrail.dashboard.session.get',
      summary: 'Whether the dashboard session cookie signs in, and as which tenant',
      tag,
      access: 'public',
      responses: { 200: sessionOut },
    },
    async ({ req, res }) => {
      noStore(res);
      res.json(sessionBody(await sessions.current(req)));
    },
  );

  routes.add(
    {
      method: 'post',
      path,
      operationId: 'hookrail.dashboard.session.create',
      summary: `Sign in: send "Authorization: Bearer <API key>" and the X-Hookrail-CSRF header from the dashboard's origin; the answer sets an httpOnly, SameSite=Strict session cookie for ${sessionTtlSeconds / 3600} hours`,
      tag,
      access: 'public',
      responses: { 200: sessionOut, 401: errorOut, 403: errorOut },
    },
    async ({ req, res }) => {
      noStore(res);
      requireSameOrigin(req);
      const key = bearerToken(req);
      const auth = key === undefined ? undefined : await authenticateApiKey(db, key);
      if (auth === undefined) throw unauthorized('The API key is unknown or has been revoked.');
      res.json(sessionBody(await sessions.signIn(res, auth.keyId)));
    },
  );

  routes.add(
    {
      method: 'delete',
      path,
      operationId: 'hookrail.dashboard.session.delete',
      summary: 'Sign out: clears the session cookie (send the X-Hookrail-CSRF header)',
      tag,
      access: 'public',
      responses: { 204: null, 403: errorOut },
    },
    ({ req, res }) => {
      noStore(res);
      requireSameOrigin(req);
      sessions.signOut(res);
      res.status(204).end();
    },
  );
}
