import fc from 'fast-check';

/**
 * Values built from the JSON Schemas of the served OpenAPI document, mostly well-formed (so
 * requests reach the handlers and the database) with hostile values mixed in at every level.
 */
export type JsonSchema = Record<string, unknown>;

export interface SchemaContext {
  components: Record<string, JsonSchema>;
  /** Chance, per value, of a hostile value in its place (0 for well-formed values only). */
  hostility: number;
}

/** Endpoint URLs point at loopback only, so that nothing created could ever be sent away. */
export const loopbackUrl = fc.constantFrom(
  'http://127.0.0.1:9/hook',
  'https://127.0.0.1:1/x?y=1',
  'http://[::1]:9/',
  'http://localhost:9/a',
);

/** Text Postgres cannot store, dates it cannot hold, and other strings that broke servers. */
export const hostileStrings: string[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '\udbff\udbff',
  '\udc00\ud800',
  '9999-12-31T23:59:59-23:59',
  '0000-01-01T00:00:00+23:59',
  '+275760-09-13T00:00:00.000Z',
  '-271821-04-20T00:00:00Z',
  '99999-01-01T00:00:00Z',
  '2026-02-30T00:00:00Z',
  '2026-01-01T24:00:00Z',
  'infinity',
  '',
  ' ',
  '%00',
  '../..',
  '__proto__',
  'http://127.0.0.1:9/\u0000',
  'x'.repeat(70_000),
  'é'.repeat(5000),
  '1e999',
];

/** A value nested `depth` levels deep. */
export function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
}

/** Values of the wrong type or shape for any field. */
export const hostileValues: unknown[] = [
  ...hostileStrings,
  null,
  true,
  0,
  -1,
  1.5,
  1e308,
  Number.MAX_SAFE_INTEGER + 2,
  [],
  {},
  ['\u0000'],
  { '\u0000': 'key' },
  { ['\ud800']: 1 },
  JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": 1}}') as unknown,
  nested(200),
];

/** Request bodies sent as they are, not as JSON of a value. */
export const rawBodies: string[] = [
  '{"name": ',
  '[[[[',
  'null',
  '"\\ud800"',
  '{"name": "\\u0000"}',
  '{"a": 1' + '0'.repeat(400) + '}',
  '['.repeat(5000) + ']'.repeat(5000),
  '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
  '\u0000',
];

/** Path segments sent raw: bad percent-encoding, NUL, and the extremes. */
export const hostileSegments: string[] = [
  '%00',
  'a%00b',
  '%',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AF',
  '%FF',
  'x'.repeat(5000),
  '..',
  '%2F',
  '%20',
  'app_00000000000000000000000000',
];

const hostile = fc.constantFrom(...hostileValues);

/** encodeURIComponent, except that unpaired surrogates (which it throws on) go as bad UTF-8. */
export function encodeSegment(text: string): string {
  return text.replace(/[^]/gu, (ch) => {
    const code = ch.codePointAt(0) ?? 0;
    if (code >= 0xd800 && code <= 0xdfff) return '%ED%A0%80';
    return encodeURIComponent(ch);
  });
}

function resolve(schema: JsonSchema, ctx: SchemaContext): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const target = ctx.components[ref.replace('#/components/schemas/', '')];
  if (target === undefined) throw new Error(`unknown $ref ${ref}`);
  return resolve(target, ctx);
}

function stringOf(schema: JsonSchema, name: string | undefined): fc.Arbitrary<string> {
  if (name === 'url') return loopbackUrl;
  if (schema.format === 'date-time') {
    return fc
      .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z') })
      .filter((d) => !Number.isNaN(d.getTime()))
      .map((d) => d.toISOString());
  }
  const max = Math.min(Number(schema.maxLength ?? 40), 40);
  const min = Math.min(Number(schema.minLength ?? 0), max);
  if (typeof schema.pattern === 'string') {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => s.length >= min && s.length <= max);
  }
  return fc.string({ minLength: min, maxLength: max, unit: 'grapheme' });
}

/** An arbitrary for `schema`, hostile values mixed in at `ctx.hostility`. */
export function valueOf(
  schema: JsonSchema,
  ctx: SchemaContext,
  name?: string,
  depth = 0,
): fc.Arbitrary<unknown> {
  const plain = plainValueOf(resolve(schema, ctx), ctx, name, depth);
  if (ctx.hostility === 0) return plain;
  const weight = Math.round(ctx.hostility * 100);
  return fc.oneof({ weight: 100 - weight, arbitrary: plain }, { weight, arbitrary: hostile });
}

function plainValueOf(
  schema: JsonSchema,
  ctx: SchemaContext,
  name: string | undefined,
  depth: number,
): fc.Arbitrary<unknown> {
  const alternatives = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (alternatives) return fc.oneof(...alternatives.map((s) => valueOf(s, ctx, name, depth)));
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'string':
      return stringOf(schema, name);
    case 'integer':
      return fc.integer({
        min: Math.max(Number(schema.minimum ?? -1e6), Number.MIN_SAFE_INTEGER),
        max: Math.min(Number(schema.maximum ?? 1e6), Number.MAX_SAFE_INTEGER),
      });
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const items = (schema.items ?? {}) as JsonSchema;
      const maxLength = Math.min(Number(schema.maxItems ?? 3), 3);
      return fc.array(valueOf(items, ctx, name, depth + 1), { maxLength });
    }
    case 'object':
      return objectOf(schema, ctx, depth);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectOf(schema: JsonSchema, ctx: SchemaContext, depth: number): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = (schema.required ?? []) as string[];
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(properties)) {
    fields[key] = valueOf(sub, ctx, key, depth + 1);
  }
  const known = fc.record(fields, { requiredKeys: required });
  const extra = schema.additionalProperties;
  if (extra === false || extra === undefined || depth > 3) return known;
  const keys =
    typeof schema.propertyNames === 'object'
      ? stringOf(schema.propertyNames as JsonSchema, undefined)
      : fc.string({ maxLength: 12 });
  const values =
    typeof extra === 'object' && Object.keys(extra as object).length > 0
      ? valueOf(extra as JsonSchema, ctx, undefined, depth + 1)
      : fc.jsonValue({ maxDepth: 2 });
  return fc
    .tuple(known, fc.dictionary(keys, values, { maxKeys: 3 }))
    .map(([a, b]) => ({ ...b, ...(a as object) }));
}
