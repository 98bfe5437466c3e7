import { describe, expect, it } from 'vitest';
import { idFloor, idTime, isId, newId } from '../src/index.ts';

describe('ids', () => {
  it('have the kind prefix and 26 base32 characters', () => {
    const id = newId('application');
    expect(id).toMatch(/^app_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(isId('application', id)).toBe(true);
    expect(isId('endpoint', id)).toBe(false);
    expect(isId('application', 'app_short')).toBe(false);
    expect(isId('application', id.toUpperCase())).toBe(false);
  });

  it('sort by creation time as plain strings, also within one millisecond', () => {
    let now = Date.UTC(2026, 0, 1);
    const ids = Array.from({ length: 500 }, (_, i) =>
      newId('message', { now: () => (i % 50 === 0 ? ++now : now) }),
    );
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('carry their creation time', () => {
    const at = Date.UTC(2030, 5, 15, 12, 30, 45, 123);
    expect(idTime(newId('tenant', { now: () => at })).getTime()).toBe(at);
  });

  it('turn a time into the lowest id at that time', () => {
    const at = new Date(Date.UTC(2031, 0, 1));
    const before = newId('message', { now: () => at.getTime() - 1 });
    const exactly = newId('message', { now: () => at.getTime() });
    const floor = idFloor('message', at);
    expect(before < floor).toBe(true);
    expect(exactly >= floor).toBe(true);
  });

  it('made with an earlier explicit time than the last one, carry that time', () => {
    newId('message');
    const at = Date.UTC(2020, 1, 2);
    const id = newId('message', { now: () => at });
    expect(idTime(id).getTime()).toBe(at);
    expect(newId('message') > id).toBe(true);
  });
});
