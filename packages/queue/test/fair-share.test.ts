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

  it('starts every tenant afresh in a new window, and takes in what other processes counted', () => {
    const fair = new FairShare('p', { windowMs: 10_000 });
    fair.plan(Array(3).fill('tnt_a'), 9_000);
    expect(fair.plan(['tnt_a'], 10_000).priorities).toEqual([1]);
    // Redis says the tenant queued 40 in this window, across every process.
    fair.learn('tnt_a', 1, 40);
    expect(fair.plan(['tnt_a'], 10_500).priorities).toEqual([41]);
    // A count from an older window changes nothing.
    fair.learn('tnt_a', 0, 1000);
    expect(fair.plan(['tnt_a'], 11_000).priorities).toEqual([42]);
  });

  it("never ranks past BullMQ's lowest priority", () => {
    const fair = new FairShare('p');
    fair.learn('tnt_huge', 0, maxPriority + 10);
    expect(fair.plan(['tnt_huge'], 0).priorities).toEqual([maxPriority]);
  });
});
