// Every migration says which upgrade step it is, so an operator knows before upgrading whether
// the previous version's processes keep working beside the new one (README: Upgrades).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrationsFolder } from '../src/index.ts';

/** The steps a migration may be, as the README's Upgrades section defines them. */
const opening = /^-- (initial|expand|contract|breaking): \S/;

/**
 * Migrations written before upgrades were split into expand and contract, which the previous
 * version's processes cannot run beside: no later one may join them.
 */
const breakingBeforeTheRule = new Set(['0006_idempotency_scope']);

const journal = JSON.parse(
  readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8'),
) as {
  entries: { idx: number; tag: string }[];
};
const files = readdirSync(migrationsFolder)
  .filter((name) => name.endsWith('.sql'))
  .sort();

describe('the migration files', () => {
  it('are the journal entries, one file each', () => {
    expect(files).toEqual(journal.entries.map(({ tag }) => `${tag}.sql`));
  });

  it.each(journal.entries)('$tag opens with a comment naming its upgrade step', ({ idx, tag }) => {
    const text = readFileSync(join(migrationsFolder, `${tag}.sql`), 'utf8');
    const step = opening.exec(text)?.[1];
    expect(
      step,
      `${tag}.sql must open with "-- expand: <why the previous version keeps working>"`,
    ).toBeDefined();
    // Only the first migration starts from an empty database.
    expect(step === 'initial').toBe(idx === 0);
    if (step === 'breaking') expect(breakingBeforeTheRule).toContain(tag);
  });
});
