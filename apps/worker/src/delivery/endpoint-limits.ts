import { endpointLimits, type Db } from '@hookrail/db';
import type { Id } from '@hookrail/ids';

export interface Limits {
  /** Requests per second; null is unlimited. */
  rate: number | null;
  maxInflight: number;
}

/**
 * Endpoint limits, read from Postgres and kept for a few seconds, so admission checks do not
 * cost a query each. A change through the API applies within `ttlMs`.
 */
export class EndpointLimits {
  private readonly cache = new Map<string, { limits: Limits; until: number }>();
  private readonly db: Db;
  private readonly defaultMaxInflight: number;
  private readonly ttlMs: number;

  constructor(db: Db, defaultMaxInflight: number, ttlMs = 5000) {
    this.db = db;
    this.defaultMaxInflight = defaultMaxInflight;
    this.ttlMs = ttlMs;
  }

  async get(endpointId: Id<'endpoint'>, now: number): Promise<Limits> {
    const cached = this.cache.get(endpointId);
    if (cached && cached.until > now) return cached.limits;
    const row = await endpointLimits(this.db, endpointId);
    const limits = {
      rate: row?.rateLimit ?? null,
      maxInflight: row?.maxInflight ?? this.defaultMaxInflight,
    };
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(endpointId, { limits, until: now + this.ttlMs });
    return limits;
  }
}
