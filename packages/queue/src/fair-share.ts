import { redisKey } from './redis.ts';

/**
 * Tenant fairness for the `deliver` queue, through BullMQ job priorities (lower runs first;
 * equal priorities run in the order they were queued).
 *
 * A job's priority is its rank among the jobs its tenant queued lately: its count in the
 * current window of time (`windowMs`, aligned to the clock, the same for every process), plus
 * the part of its previous window's count that a window sliding with the clock would still
 * hold (all of it as the window starts, none as it ends). A tenant's jobs queued together get
 * consecutive ranks. Workers therefore take jobs round by round, one job of each tenant per
 * round: a tenant that just queued 100,000 deliveries holds ranks 1 to 100,000, and another
 * tenant's fresh delivery, rank 1, waits behind at most a few jobs of the busy tenant instead
 * of behind the whole backlog. The carried count keeps a tenant's ranks from falling back to 1
 * when a window turns: a steady stream keeps about the same rank from one window to the next
 * (its jobs go first-in first-out), so a tenant's own jobs queued at the turn of a window do
 * not overtake the ones queued just before it, which a momentary backlog would otherwise hold
 * back for as long as the tenant's new jobs keep coming.
 *
 * The count lives in Redis (`{prefix}:fair:<tenant>:<window>`, expiring after two windows), so
 * that every API and worker process ranks a tenant's jobs together. It is increased in the
 * pipeline that queues the jobs, and the ranks of a call are taken from what this process
 * knew before it (its own calls, corrected by the count each reply brings back, the previous
 * window's as last learned): no round trip of its own. A process that has not queued for the
 * tenant lately starts it at 1, so the first call of each process ranks a little too well;
 * ranks only order jobs, they never decide whether a job runs.
 *
 * Why ranks in a window, not the tenant's backlog: a backlog count needs a decrement when
 * each job ends, and any job that ends without one (removed after failing, lost with a
 * failover, re-queued twice) leaves the count wrong for good. A windowed count needs nothing
 * at the end of a job and forgets itself.
 */
export interface FairShareSettings {
  /**
   * Length of a counting window: a burst weighs on the tenant's later jobs for up to two of
   * them (fading in the second). Longer: ranks follow a longer stretch of a tenant's traffic;
   * shorter: a burst is forgotten sooner.
   * @defaultValue 10000
   */
  windowMs: number;
  /** Tenants this process remembers counts of; past it, it forgets them all. @defaultValue 10000 */
  maxTenants: number;
}

export const defaultFairShareSettings: FairShareSettings = { windowMs: 10_000, maxTenants: 10_000 };

/** BullMQ's highest priority number (its lowest priority). */
export const maxPriority = 2_097_151;

/** Jobs queued without a tenant (the reconciler's, operational webhooks') share this one. */
export const noTenant = '-';

export interface FairSharePlan {
  /** The priority of each job, in the order given. */
  priorities: number[];
  /** For each tenant of the call: its count key and how many jobs to add to it. */
  increments: { tenantId: string; key: string; by: number }[];
  /** Key expiry, in milliseconds. */
  ttlMs: number;
  /** The window this plan belongs to. */
  window: number;
}

export class FairShare {
  readonly #settings: FairShareSettings;
  readonly #prefix: string;
  /** Per tenant: its count in `window`, and in the window before it (`previous`). */
  readonly #counts = new Map<string, { window: number; count: number; previous: number }>();

  constructor(prefix: string, settings: Partial<FairShareSettings> = {}) {
    this.#prefix = prefix;
    this.#settings = { ...defaultFairShareSettings, ...settings };
  }

  /** Ranks the jobs of one queue call at `now`, counting them as queued. */
  plan(tenants: readonly (string | undefined)[], now: number): FairSharePlan {
    const { windowMs } = this.#settings;
    const window = Math.floor(now / windowMs);
    // What a window sliding with the clock still holds of the previous one (in integers, so
    // that a steady stream's ranks never step back by a rounding).
    const left = windowMs - (now - window * windowMs);
    const added = new Map<string, number>();
    const recent = (tenant: string) => {
      const known = this.#counts.get(tenant);
      if (known?.window === window) return { count: known.count, previous: known.previous };
      return { count: 0, previous: known?.window === window - 1 ? known.count : 0 };
    };
    const priorities = tenants.map((tenant = noTenant) => {
      const { count, previous } = recent(tenant);
      const by = (added.get(tenant) ?? 0) + 1;
      added.set(tenant, by);
      return Math.min(maxPriority, Math.floor((previous * left) / windowMs) + count + by);
    });
    if (this.#counts.size + added.size > this.#settings.maxTenants) this.#counts.clear();
    for (const [tenant, by] of added) {
      const { count, previous } = recent(tenant);
      this.#counts.set(tenant, { window, count: count + by, previous });
    }
    return {
      priorities,
      increments: [...added].map(([tenantId, by]) => ({
        tenantId,
        key: redisKey(this.#prefix, 'fair', tenantId, String(window)),
        by,
      })),
      ttlMs: 2 * windowMs,
      window,
    };
  }

  /** Takes in a tenant's count as Redis answered it (every process's jobs). */
  learn(tenantId: string, window: number, count: number): void {
    const known = this.#counts.get(tenantId);
    if (known === undefined || known.window < window) {
      const previous = known?.window === window - 1 ? known.count : 0;
      this.#counts.set(tenantId, { window, count, previous });
    } else if (known.window === window) {
      known.count = Math.max(known.count, count);
    } else if (known.window === window + 1) {
      known.previous = Math.max(known.previous, count);
    }
  }
}
