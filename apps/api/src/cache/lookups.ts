import {
  authenticateApiKey,
  findApplication,
  findPortalOfApplication,
  getTenant,
  hashToken,
  type ApplicationRow,
  type Db,
  type PortalSettings,
  type TenantRow,
} from '@hookrail/db';
import type { Id } from '@hookrail/ids';
import type { Logger } from '@hookrail/logger';
import type { InvalidationChannel } from '@hookrail/queue';
import { within } from '../within.ts';
import { LookupCache } from './lookup-cache.ts';

/** What the hot path reads on every request, served from memory where it can be. */
export interface Lookups {
  /** The tenant of a live API key; undefined for an unknown or revoked one. */
  apiKey(token: string): Promise<{ tenantId: Id<'tenant'>; keyId: Id<'apiKey'> } | undefined>;
  tenant(id: Id<'tenant'>): Promise<TenantRow | undefined>;
  /** A (non-system) application of the tenant by id or uid. */
  application(tenantId: Id<'tenant'>, ref: string): Promise<ApplicationRow | undefined>;
  /**
   * The tenant of an application named by id alone, and its portal settings: read on every
   * load of the portal page. Undefined for an unknown application.
   */
  portalOfApplication(
    appId: Id<'application'>,
  ): Promise<{ tenantId: Id<'tenant'>; settings: PortalSettings } | undefined>;
  /**
   * Call after committing a change to a tenant's keys, settings (portal settings included)
   * or applications (or its
   * deletion): every API instance forgets what it cached of that tenant. Waits (briefly) for
   * Redis to pass the word on; if it cannot, the other instances see the change when their
   * entries expire.
   */
  invalidate(tenantId: Id<'tenant'>): Promise<void>;
}

export interface LookupsOptions {
  db: Db;
  /** Without one (or while it is not live), nothing is cached. */
  channel: InvalidationChannel | undefined;
  logger: Logger;
  /** @see LookupCacheOptions.ttlMs */
  ttlMs: number;
  /** Entries per cache (keys, tenants, applications, portals). @defaultValue 10000 */
  maxEntries?: number;
}

/** Publishing an invalidation waits at most this long before the change is answered anyway. */
const publishTimeoutMs = 1000;

export function cachedLookups(options: LookupsOptions): Lookups {
  const { db, channel, logger } = options;
  const cacheOptions = {
    ttlMs: options.ttlMs,
    maxEntries: options.maxEntries ?? 10_000,
    live: () => channel?.live === true,
  };
  const keys = new LookupCache<{ tenantId: Id<'tenant'>; keyId: Id<'apiKey'> }>(cacheOptions);
  const tenants = new LookupCache<TenantRow>(cacheOptions);
  const applications = new LookupCache<ApplicationRow>(cacheOptions);
  const portals = new LookupCache<{ tenantId: Id<'tenant'>; settings: PortalSettings }>(
    cacheOptions,
  );
  const caches = [keys, tenants, applications, portals];
  const drop = (scope: string) => {
    for (const cache of caches) cache.invalidate(scope);
  };
  channel?.onInvalidate(drop);
  channel?.onReset(() => drop('*'));

  return {
    apiKey: (token) => {
      // Keyed by the key's hash, as it is stored: memory holds no usable key.
      const hash = hashToken(token);
      return keys.get(hash, async () => {
        const found = await authenticateApiKey(db, token);
        return found && { value: found, scope: found.tenantId };
      });
    },
    tenant: (id) =>
      tenants.get(id, async () => {
        const found = await getTenant(db, id);
        return found && { value: found, scope: found.id };
      }),
    application: (tenantId, ref) =>
      applications.get(`${tenantId} ${ref}`, async () => {
        const found = await findApplication(db, tenantId, ref);
        return found && { value: found, scope: found.tenantId };
      }),
    portalOfApplication: (appId) =>
      portals.get(appId, async () => {
        const found = await findPortalOfApplication(db, appId);
        return found && { value: found, scope: found.tenantId };
      }),
    async invalidate(tenantId) {
      drop(tenantId);
      if (channel === undefined) return;
      try {
        await within(channel.publish(tenantId), publishTimeoutMs, 'publishing an invalidation');
      } catch (error) {
        logger.warn({ err: error, tenantId }, 'cache invalidation not published');
      }
    },
  };
}
