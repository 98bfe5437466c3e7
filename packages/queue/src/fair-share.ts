import { redisKey } from './redis.ts';

/**
 * Tenant fairness for the `deliver` queue, through BullMQ job priorities (lower runs first;
 * equal priorities run in the order they were queued).
 *
 * A job's priority is its rank among the jobs its tenant queued in the current window of
 * time (`windowMs`, aligned to the clock, the same for every process): a tenant's first job
 * of a window gets 1, its second 2, and so on. Workers therefore take jobs round by round, one
 * job of each tenant (and window) per round: a tenant that just queued 100,000 deliveries
 * holds ranks 1 to 100,000, and another tenant's fresh delivery, rank 1, waits behind at most
 * one job of the busy tenant per window its backlog spans, instead of behind the whole backlog.
 *
 * The count lives in Redis (`{prefix}:fair:<tenant>:<window>`, expiring after two windows), so
 * that every API and worker process ranks a tenant's jobs together. It is increased in the
 * pipeline that queues the jobs, and the ranks of a call are taken from what this process
 * knew before it (its own calls, corrected by the count each reply brings back): no round
 * trip of its own. A process that has not queued for the tenant in this window starts it at 1,
 * so the first call of each process ranks a little too well; ranks only order jobs, they
 * never decide whether a job runs.
 *
 * Why ranks in a window, not the tenant's backlog: a backlog count needs a decrement when
 * each job ends, and any job that ends without one (removed after failing, lost with a
 * failover, re-queued twice) leaves the count wrong for good. A windowed count needs nothing
 * at the end of a job and forgets itself.
 */
export interface FairShareSettings {
  /**
   * Length of a counting window. Longer: a busy tenant's backlog spans fewer windows (fewer of
   * its jobs per round); shorter: a burst weighs on the tenant's later jobs for less time.
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
  readonly #counts = new Map<string, { window: number; count: number }>();

  constructor(prefix: string, settings: Partial<FairShareSettings> = {}) {
    this.#prefix = prefix;
    this.#settings = { ...defaultFairShareSettings, ...settings };
  }

  /** Ranks the jobs of one queue call at `now`, counting them as queued. */
  plan(tenants: readonly (string | undefined)[], now: number): FairSharePlan {
    const window = Math.floor(now / this.#settings.windowMs);
    const added = new Map<string, number>();
    const priorities = tenants.map((tenant = noTenant) => {
      const known = this.#counts.get(tenant);
      const before = known?.window === window ? known.count : 0;
      const by = (added.get(tenant) ?? 0) + 1;
      added.set(tenant, by);
      return Math.min(maxPriority, before + by);
    });
    if (this.#counts.size + added.size > this.#settings.maxTenants) this.#counts.clear();
    for (const [tenant, by] of added) {
      const known = this.#counts.get(tenant);
      const before = known?.window === window ? known.count : 0;
      this.#counts.set(tenant, { window, count: before + by });
    }
    return {
      priorities,
      increments: [...added].map(([tenantId, by]) => ({
        tenantId,
        key: redisKey(this.#prefix, 'fair', tenantId, String(window)),
        by,
      })),
      ttlMs: 2 * this.#settings.windowMs,
      window,
    };
  }

  /** Takes in a tenant's count as Redis answered it (every process's jobs). */
  learn(tenantId: string, window: number, count: number): void {
    const known = this.#counts.get(tenantId);
    if (known === undefined || known.window !== window || known.count < count) {
      if (known !== undefined && known.window > window) return;
      this.#counts.set(tenantId, { window, count });
    }
  }
}
