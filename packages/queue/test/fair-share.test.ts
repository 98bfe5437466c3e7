import { describe, expect, it } from 'vitest';
import { FairShare, maxPriority, noTenant } from '../src/fair-share.ts';

describe('fair share ranks', () => {
  it("ranks each tenant's jobs of a window 1, 2, 3…, so that a quiet tenant's first job ties with a busy tenant's first", () => {
    const fair = new FairShare('p', { windowMs: 10_000 });
    const busy = fair.plan(Array(5).fill('tnt_busy'), 1_000);
    expect(busy.priorities).toEqual([1, 2, 3, 4, 5]);
    expect(busy.increments).toEqual([{ tenantId: 'tnt_busy', key: '{p}:fair:tnt_busy:0', by: 5 }]);
    const mixed = fair.plan(['tnt_busy', 'tnt_quiet', 'tnt_busy', undefined], 2_000);
    expect(mixed.priorities).toEqual([6, 1, 7, 1]);
    expect(mixed.increments.map((i) => [i.tenantId, i.by])).toEqual([
      ['tnt_busy', 2],
      ['tnt_quiet', 1],
      [noTenant, 1],
    ]);
  });

  it("carries a tenant's count of the previous window into the next, fading as the window slides", () => {
    const fair = new FairShare('p', { windowMs: 10_000 });
    fair.plan(Array(40).fill('tnt_a'), 9_000);
    // As the next window starts, all 40 are still counted; halfway through, half of them.
    expect(fair.plan(['tnt_a'], 10_000).priorities).toEqual([41]);
    expect(fair.plan(['tnt_a'], 15_000).priorities).toEqual([22]);
    // The window after carries what this one counted (2), and a tenant unseen lately starts at 1.
    expect(fair.plan(['tnt_a', 'tnt_b'], 20_000).priorities).toEqual([3, 1]);
    expect(fair.plan(['tnt_a'], 35_000).priorities).toEqual([1]);
  });

  it('keeps a steady stream first-in first-out across the turn of a window', () => {
    const fair = new FairShare('p', { windowMs: 10_000 });
    const ranks: number[] = [];
    for (let now = 5_000; now < 35_000; now += 100)
      ranks.push(...fair.plan(['tnt_a'], now).priorities);
    ranks.forEach((rank, i) => expect(rank).toBeGreaterThanOrEqual(ranks[i - 1] ?? 1));
    expect(ranks.at(-1)).toBe(101);
  });

  it('takes in what other processes counted, in this window and the one before', () => {
    const fair = new FairShare('p', { windowMs: 10_000 });
    fair.plan(['tnt_a'], 20_000);
    // Redis says the tenant queued 40 in this window, across every process.
    fair.learn('tnt_a', 2, 40);
    expect(fair.plan(['tnt_a'], 20_500).priorities).toEqual([41]);
    // The previous window's count, answered late: 900 of its 1000 are still held at 21 s.
    fair.learn('tnt_a', 1, 1000);
    expect(fair.plan(['tnt_a'], 21_000).priorities).toEqual([942]);
    // A count of an older window changes nothing.
    fair.learn('tnt_a', 0, 5000);
    expect(fair.plan(['tnt_a'], 21_000).priorities).toEqual([943]);
  });

  it("never ranks past BullMQ's lowest priority", () => {
    const fair = new FairShare('p');
    fair.learn('tnt_huge', 0, maxPriority + 10);
    expect(fair.plan(['tnt_huge'], 0).priorities).toEqual([maxPriority]);
  });
});
