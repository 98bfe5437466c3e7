import type { EventTypeRow } from '@hookrail/db';
import { describe, expect, it } from 'vitest';
import { compileSchema } from '../src/payload-schemas/compile.ts';
import { PayloadSchemas, schemasProblem } from '../src/payload-schemas/index.ts';

function eventType(tenant: string, name: string, schema: object): EventTypeRow {
  const now = new Date();
  return {
    tenantId: `tnt_${tenant}`,
    name,
    description: '',
    archived: false,
    deprecated: false,
    schemas: { '1': schema },
    featureFlag: null,
    featureFlags: null,
    groupName: null,
    createdAt: now,
    updatedAt: now,
  };
}

describe('schema compilation', () => {
  it('runs patterns in linear time: a catastrophic pattern answers on a long string', () => {
    const compiled = compileSchema({
      type: 'object',
      properties: { s: { type: 'string', pattern: '^(a+)+$' } },
      patternProperties: { '^(x+x+)+y$': { type: 'number' } },
    });
    if (!compiled.ok) throw new Error(compiled.problem.message);
    const long = `${'a'.repeat(200_000)}!`;
    expect(compiled.validate({ s: long })).toBe(false);
    expect(compiled.validate({ s: 'aaaa' })).toBe(true);
    expect(compiled.validate({ [`${'x'.repeat(100_000)}y`]: 'not a number' })).toBe(false);
    expect(compiled.validate({ [`${'x'.repeat(100_000)}z`]: 'not matched' })).toBe(true);
  });

  it('keeps ECMA-262 syntax: escapes, classes, unicode properties, named groups', () => {
    const compiled = compileSchema({
      type: 'array',
      items: [
        { pattern: '^\\d{3}-\\w+\\/x$' },
        { pattern: '^[\\u0041-\\u005a]+$' },
        { pattern: '^\\p{L}+$' },
        { pattern: '^(?<year>\\d{4})$' },
      ],
    });
    if (!compiled.ok) throw new Error(compiled.problem.message);
    expect(compiled.validate(['123-abc/x', 'ABC', 'héllo', '2026'])).toBe(true);
    expect(compiled.validate(['12-abc/x', 'ABC', 'héllo', '2026'])).toBe(false);
    expect(compiled.validate(['123-abc/x', 'abc', 'héllo', '2026'])).toBe(false);
  });

  it('refuses lookarounds and backreferences, and patterns that are not regular expressions', () => {
    const refused = (pattern: string) => {
      const compiled = compileSchema({ properties: { s: { pattern } } }, ['1']);
      return compiled.ok ? undefined : { code: compiled.problem.code, path: compiled.problem.path };
    };
    for (const pattern of ['(?=a)b', '(?!a)b', '(?<=a)b', '(?<!a)b', '(a)\\1', '(?<n>a)\\k<n>']) {
      expect({ pattern, refused: refused(pattern) }).toEqual({
        pattern,
        refused: { code: 'schema_pattern_unsupported', path: ['1', 'properties', 's', 'pattern'] },
      });
    }
    expect(refused('(unclosed')).toEqual({
      code: 'schema_invalid',
      path: ['1', 'properties', 's', 'pattern'],
    });
    expect(refused('\\\\1')).toBeUndefined(); // an escaped backslash, then a digit
  });

  it('refuses schemas too large, too deep, invalid, or with unbounded uniqueItems', () => {
    let deep: object = { type: 'string' };
    for (let i = 0; i < 40; i++) deep = { properties: { a: deep } };
    const cases: [schemas: Record<string, unknown>, code: string][] = [
      [{ '1': { description: 'x'.repeat(70 * 1024) } }, 'schema_too_large'],
      [{ '1': deep }, 'schema_too_deep'],
      [{ '1': { type: 5 } }, 'schema_invalid'],
      [{ '1': { $ref: 'https://elsewhere.example/schema.json' } }, 'schema_invalid'],
      [{ '1': { type: 'array', uniqueItems: true } }, 'schema_unique_items_unbounded'],
      [{ '1': { uniqueItems: true, items: { type: 'object' } } }, 'schema_unique_items_unbounded'],
    ];
    for (const [schemas, code] of cases) {
      expect({ schemas, code: schemasProblem(schemas)?.code }).toEqual({ schemas, code });
    }
    for (const fine of [
      { '1': { uniqueItems: true, items: { type: 'string' } } },
      { '1': { uniqueItems: true, maxItems: 100 } },
      { '1': { enum: [{ uniqueItems: true }] } },
      { '1': { type: 'object' }, '2': { $defs: { a: { type: 'number' } }, $ref: '#/$defs/a' } },
    ]) {
      expect({ fine, problem: schemasProblem(fine) }).toEqual({ fine, problem: undefined });
    }
  });
});

describe('the validator cache', () => {
  it('stays within its bounds however many schemas come by', () => {
    const schemas = new PayloadSchemas({ maxEntries: 10, maxBytes: 4096 });
    const kept = eventType('a', 'kept', { type: 'object', required: ['kept'] });
    for (let i = 0; i < 500; i++) {
      expect(schemas.check(kept, {})).toMatchObject({ path: ['kept'] });
      const other = eventType('a', 'churn', { type: 'object', required: [`f${i}`] });
      expect(schemas.check(other, {})).toMatchObject({ path: [`f${i}`] });
      expect(schemas.size.entries).toBeLessThanOrEqual(10);
      expect(schemas.size.bytes).toBeLessThanOrEqual(4096);
    }
    const big = eventType('a', 'big', { description: 'x'.repeat(8000) });
    expect(schemas.check(big, {})).toBeUndefined();
    expect(schemas.size.entries).toBe(1); // only the newest stays when it alone is over the bound
  });

  it('keys validators by tenant and schema content: a changed schema is never served stale', () => {
    const schemas = new PayloadSchemas();
    const first = eventType('a', 'same', { type: 'object', required: ['one'] });
    const second = { ...first, schemas: { '1': { type: 'object', required: ['two'] } } };
    expect(schemas.check(first, { two: 1 })).toMatchObject({ path: ['one'] });
    // Same tenant, name and updatedAt: only the content differs.
    expect(schemas.check(second, { one: 1 })).toMatchObject({ path: ['two'] });
    const otherTenant = eventType('b', 'same', { type: 'object', required: ['three'] });
    expect(schemas.check(otherTenant, { one: 1 })).toMatchObject({ path: ['three'] });
  });

  it('refuses every payload when a stored schema cannot be compiled, saying so', () => {
    const schemas = new PayloadSchemas();
    const broken = eventType('a', 'broken', { properties: { s: { pattern: '(?=x)' } } });
    expect(schemas.check(broken, { s: 'x' })).toMatchObject({
      path: [],
      type: 'schema_pattern_unsupported',
      message: expect.stringContaining('PUT /api/v1/event-type/broken'),
    });
  });
});
