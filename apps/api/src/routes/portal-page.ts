import { isId } from '@hookrail/ids';
import type { Response } from 'express';
import { z } from 'zod';
import type { Lookups } from '../cache/lookups.ts';
import { contentSecurityPolicy, dashboardPage } from '../dashboard/static.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import { isSourceOrigin } from '../schemas/portal-settings.ts';

/** Answers a portal page of the application named by `ref` (its id, from the path). */
export type PortalPage = (res: Response, ref: string) => Promise<void>;

/**
 * The subscriber portal's page: the dashboard app, answered with the framing rules of the
 * application's tenant. The server knows the application from the path before any script
 * runs, so `frame-ancestors` lists exactly the origins the tenant allowed
 * (`/settings/portal`), and `'none'` when it allowed none: no page frames a portal, not even
 * one of Hookrail's own origin, unless the tenant said so. An unknown application's page is
 * the same page that no one may frame: the app finds the application missing through the API
 * and says so. The token stays in the link's fragment, which browsers never send: no server
 * sees it here.
 */
export function portalPage(deps: { lookups: Lookups; buildDir?: string }): PortalPage {
  const page = dashboardPage(deps.buildDir);
  return async (res, ref) => {
    const portal = isId('application', ref)
      ? await deps.lookups.portalOfApplication(ref)
      : undefined;
    if (portal === undefined) {
      await page(res, contentSecurityPolicy());
      return;
    }
    const { allowedFrameOrigins, logoUrl } = portal.settings;
    const logoOrigin = logoUrl === null ? undefined : new URL(logoUrl).origin;
    await page(
      res,
      contentSecurityPolicy({
        // Checked when saved; checked again because a header is no place for surprises.
        frameAncestors: allowedFrameOrigins.filter(isSourceOrigin),
        imageOrigins: logoOrigin !== undefined && isSourceOrigin(logoOrigin) ? [logoOrigin] : [],
      }),
    );
  };
}

/** GET /dashboard/portal/{app_id}: where `app-portal-access` links lead. */
export function portalPageRoutes(routes: RouteTable, page: PortalPage): void {
  routes.add(
    {
      method: 'get',
      path: '/dashboard/portal/:app_id',
      operationId: 'hookrail.portal-page',
      summary:
        "An application's subscriber portal, as a web page (open it with the link's #token=…)",
      tag: 'Reference',
      access: 'public',
      responses: { 200: z.string().meta({ description: 'text/html' }) },
    },
    async ({ req, res }) => {
      await page(res, pathParam(req, 'app_id'));
    },
  );
}
