import { sql } from 'drizzle-orm';
import { pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, updatedAt } from './columns.ts';
import { tenantRef } from './tenants.ts';

/**
 * How a tenant's subscriber portal looks and where it may be embedded. At most one row per
 * tenant; a tenant without one has the defaults (no framing, no branding).
 */
export const portalSettings = pgTable('portal_settings', {
  tenantId: tenantRef().primaryKey(),
  /**
   * Origins (`scheme://host[:port]`, as browsers write them) whose pages may show the portal
   * in a frame: the portal page's `frame-ancestors`. Empty: none may.
   */
  allowedFrameOrigins: text('allowed_frame_origins')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  /** Shown as the portal's title instead of "Webhooks". */
  displayName: text('display_name'),
  /** An http(s) image shown beside the name. */
  logoUrl: text('logo_url'),
  /** `#rrggbb`, lower case: the colour of the portal's buttons and links. */
  accentColor: text('accent_color'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export type PortalSettingsRow = typeof portalSettings.$inferSelect;
