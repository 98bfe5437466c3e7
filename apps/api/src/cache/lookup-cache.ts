export interface LookupCacheOptions {
  /** How long an entry is served without asking Postgres again; 0 turns the cache off. */
  ttlMs: number;
  /** Entries kept at most; the least recently used one goes first. */
  maxEntries: number;
  /**
   * Whether invalidations can be heard now (the Redis subscription stands). While not, every
   * lookup goes to Postgres and nothing is stored: a change made elsewhere meanwhile would go
   * unheard.
   */
  live: () => boolean;
  /** @defaultValue Date.now */
  now?: () => number;
}

interface Entry<V> {
  value: V;
  /** The tenant the entry belongs to: invalidations name tenants. */
  scope: string;
  expiresAt: number;
}

/**
 * A bounded, time-limited map of rows read from Postgres, each tagged with its tenant so that
 * one invalidation drops everything of that tenant. Only rows that exist are kept: a miss is
 * asked again each time, so anything created is seen at once.
 */
export class LookupCache<V> {
  readonly #entries = new Map<string, Entry<V>>();
  /**
   * Bumped by every invalidation. A lookup that began before one does not store its result,
   * which may predate the change (read, then invalidated, then stored would keep it stale).
   */
  #generation = 0;
  readonly #options: LookupCacheOptions;

  constructor(options: LookupCacheOptions) {
    this.#options = options;
  }

  async get(
    key: string,
    load: () => Promise<{ value: V; scope: string } | undefined>,
  ): Promise<V | undefined> {
    const { ttlMs, maxEntries, live } = this.#options;
    const now = (this.#options.now ?? Date.now)();
    if (ttlMs <= 0 || !live()) return (await load())?.value;
    const hit = this.#entries.get(key);
    if (hit !== undefined && hit.expiresAt > now) {
      // Re-inserted so that Map order is least recently used first.
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit.value;
    }
    const generation = this.#generation;
    const loaded = await load();
    if (loaded === undefined) {
      this.#entries.delete(key);
      return undefined;
    }
    if (generation === this.#generation && live()) {
      this.#entries.delete(key);
      this.#entries.set(key, { ...loaded, expiresAt: now + ttlMs });
      for (const oldest of this.#entries.keys()) {
        if (this.#entries.size <= maxEntries) break;
        this.#entries.delete(oldest);
      }
    }
    return loaded.value;
  }

  /** Drops every entry of `scope` (a tenant id), or all of them for `*`. */
  invalidate(scope: string): void {
    this.#generation++;
    if (scope === '*') {
      this.#entries.clear();
      return;
    }
    for (const [key, entry] of this.#entries) {
      if (entry.scope === scope) this.#entries.delete(key);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
