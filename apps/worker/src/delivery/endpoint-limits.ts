import { endpointLimits, type Db } from '@hookrail/db';
import type { Id } from '@hookrail/ids';

export interface Limits {
  /** Requests per second; null is unlimited. */
  rate: number | null;
  maxInflight: number;
}

/**
 * Endpoint limits, read from Postgres and kept for a few seconds, so admission checks do not
 * cost a query each. An entry older than `ttlMs` is still used while one read in the
 * background refreshes it, so that a delivery never waits for a limit already known; an
 * endpoint not asked for in twice `ttlMs` is read before use. A change through the API
 * applies within `ttlMs` plus one read. One endpoint is never read twice at once.
 */
export class EndpointLimits {
  private readonly cache = new Map<string, { limits: Limits; at: number }>();
  /** Reads under way, shared by every caller that needs them. */
  private readonly reads = new Map<string, Promise<Limits>>();
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
    const age = cached === undefined ? Infinity : now - cached.at;
    if (cached !== undefined && age < this.ttlMs) return cached.limits;
    if (cached !== undefined && age < 2 * this.ttlMs) {
      // A refresh that fails keeps the entry: past twice ttlMs the read is awaited, and fails there.
      this.read(endpointId, now).catch(() => undefined);
      return cached.limits;
    }
    return this.read(endpointId, now);
  }

  private read(endpointId: Id<'endpoint'>, now: number): Promise<Limits> {
    const running = this.reads.get(endpointId);
    if (running !== undefined) return running;
    const reading = endpointLimits(this.db, endpointId)
      .then((row) => {
        const limits = {
          rate: row?.rateLimit ?? null,
          maxInflight: row?.maxInflight ?? this.defaultMaxInflight,
        };
        if (this.cache.size > 10_000) this.cache.clear();
        this.cache.set(endpointId, { limits, at: now });
        return limits;
      })
      .finally(() => this.reads.delete(endpointId));
    this.reads.set(endpointId, reading);
    return reading;
  }
}
