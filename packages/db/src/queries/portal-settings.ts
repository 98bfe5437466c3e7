import type { Id } from '@hookrail/ids';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { applications, portalSettings, tenants, type PortalSettingsRow } from '../schema/index.ts';

/** What a tenant chose for its subscriber portal; the defaults when it chose nothing. */
export interface PortalSettings {
  allowedFrameOrigins: string[];
  displayName: string | null;
  logoUrl: string | null;
  accentColor: string | null;
  /** When they last changed; null while they are the defaults. */
  updatedAt: Date | null;
}

const defaults: PortalSettings = {
  allowedFrameOrigins: [],
  displayName: null,
  logoUrl: null,
  accentColor: null,
  updatedAt: null,
};

function settingsOf(row: PortalSettingsRow | undefined | null): PortalSettings {
  if (row === undefined || row === null) return { ...defaults };
  const { allowedFrameOrigins, displayName, logoUrl, accentColor, updatedAt } = row;
  return { allowedFrameOrigins, displayName, logoUrl, accentColor, updatedAt };
}

export async function getPortalSettings(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
): Promise<PortalSettings> {
  const [row] = await db.select().from(portalSettings).where(eq(portalSettings.tenantId, tenantId));
  return settingsOf(row);
}

/**
 * Sets the given fields (absent ones keep their value) in one statement, creating the
 * tenant's row on its first change.
 */
export async function updatePortalSettings(
  db: DbOrTx,
  tenantId: Id<'tenant'>,
  change: Partial<Omit<PortalSettings, 'updatedAt'>>,
): Promise<PortalSettings> {
  const [row] = await db
    .insert(portalSettings)
    .values({ tenantId, ...change })
    .onConflictDoUpdate({
      target: portalSettings.tenantId,
      set: { ...change, updatedAt: sql`now()` },
    })
    .returning();
  return settingsOf(row);
}

/**
 * The tenant of an application named by its id alone, with the tenant's portal settings: the
 * portal page knows only the id in its path. Undefined for an unknown id, a deleted
 * application or tenant, or the tenant's own operational-webhook application. Reads across tenants by design, and returns only
 * what that page needs to answer its headers.
 */
export async function findPortalOfApplication(
  db: DbOrTx,
  appId: Id<'application'>,
): Promise<{ tenantId: Id<'tenant'>; settings: PortalSettings } | undefined> {
  const [row] = await db
    .select({ tenantId: applications.tenantId, settings: portalSettings })
    .from(applications)
    .innerJoin(tenants, eq(tenants.id, applications.tenantId))
    .leftJoin(portalSettings, eq(portalSettings.tenantId, applications.tenantId))
    .where(
      and(
        eq(applications.id, appId),
        eq(applications.system, false),
        isNull(applications.deletedAt),
        isNull(tenants.deletedAt),
      ),
    );
  return row && { tenantId: row.tenantId, settings: settingsOf(row.settings) };
}
