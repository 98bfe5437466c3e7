import { getPortalSettings, updatePortalSettings } from '@hookrail/db';
import { tenantOf } from '../http/locals.ts';
import type { RouteTable } from '../http/routes.ts';
import {
  portalBranding,
  portalBrandingOut,
  portalSettingsOf,
  portalSettingsOut,
  portalSettingsPatch,
} from '../schemas/portal-settings.ts';
import type { RouteDeps } from './deps.ts';

const tag = 'Portal Settings';

/**
 * The tenant's subscriber portal: where it may be framed and how it is branded
 * (`/settings/portal`, with the tenant's key), and the branding a portal shows
 * (`/app/{app_id}/portal`, with the portal token too). The portal page reads the settings on
 * every load, through a cache that every instance empties when they change.
 */
export function portalSettingsRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db, lookups } = deps;

  routes.add(
    {
      method: 'get',
      path: '/settings/portal',
      operationId: 'hookrail.portal-settings.get',
      summary: "The subscriber portal's allowed frame origins and branding",
      tag,
      access: 'tenant',
      responses: { 200: portalSettingsOut },
    },
    async ({ res }) => {
      res.json(portalSettingsOf(await getPortalSettings(db, tenantOf(res))));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/settings/portal',
      operationId: 'hookrail.portal-settings.patch',
      summary: "Change some of the subscriber portal's settings (absent fields keep their value)",
      tag,
      access: 'tenant',
      body: portalSettingsPatch,
      responses: { 200: portalSettingsOut },
    },
    async ({ res, body }) => {
      const tenantId = tenantOf(res);
      const saved = await updatePortalSettings(db, tenantId, body);
      // Portal pages served from now on, by every instance, answer the new frame-ancestors.
      await lookups.invalidate(tenantId);
      res.json(portalSettingsOf(saved));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/portal',
      operationId: 'hookrail.portal-settings.branding',
      summary: "The branding of the application's subscriber portal (name, logo, accent colour)",
      tag,
      access: 'app',
      loadApp: true,
      responses: { 200: portalBrandingOut },
    },
    async ({ res, app }) => {
      const portal = await lookups.portalOfApplication(app.id);
      res.json(portalBranding(portal?.settings ?? (await getPortalSettings(db, app.tenantId))));
    },
  );
}
