import { Ajv, type ValidateFunction } from 'ajv';
import { RE2JS } from 're2js';
import { limits } from '../limits.ts';

/** Why a tenant's JSON Schema cannot be used; `code` is the 422 detail type. */
export interface SchemaProblem {
  code:
    | 'schema_too_large'
    | 'schema_too_deep'
    | 'schema_invalid'
    | 'schema_pattern_unsupported'
    | 'schema_unique_items_unbounded';
  message: string;
  /** Where in the schemas object, e.g. `["1", "properties", "name", "pattern"]`. */
  path: (string | number)[];
}

/** Thrown by the pattern engine, so that compile can tell a refused pattern from other errors. */
class PatternRefused extends Error {
  readonly code: 'schema_invalid' | 'schema_pattern_unsupported';
  constructor(code: PatternRefused['code'], message: string) {
    super(message);
    this.name = 'PatternRefused';
    this.code = code;
  }
}

/** `\1`…`\9` or `\k<name>` outside an escaped backslash: a backreference (in `u` mode). */
function hasBackreference(pattern: string): boolean {
  for (let i = 0; i < pattern.length; i++) {
    if (pattern[i] !== '\\') continue;
    const next = pattern[i + 1] ?? '';
    if (/[1-9k]/.test(next)) return true;
    i++; // the escaped character is not the start of another escape
  }
  return false;
}

/**
 * The regular expression engine Ajv runs `pattern` and `patternProperties` with: RE2 (re2js,
 * pure JavaScript), whose matching time is linear in the input, so that no pattern a tenant
 * writes (`^(a+)+$`) can stall the API. A pattern must be valid ECMA-262 (`u` mode) as JSON
 * Schema says; lookarounds and backreferences, which RE2 cannot run, are refused.
 */
const linearTimeEngine = Object.assign(
  (pattern: string) => {
    try {
      // Parsing only, never matching: V8 compiles a RegExp lazily, at its first use.
      new RegExp(pattern, 'u');
    } catch {
      throw new PatternRefused('schema_invalid', `"${pattern}" is not a valid regular expression`);
    }
    if (hasBackreference(pattern)) {
      throw new PatternRefused(
        'schema_pattern_unsupported',
        `"${pattern}" uses a backreference; patterns run in linear time and cannot have one`,
      );
    }
    try {
      return RE2JS.compile(RE2JS.translateRegExp(pattern));
    } catch (error) {
      const reason = error instanceof Error ? `: ${error.message}` : '';
      throw new PatternRefused(
        'schema_pattern_unsupported',
        `"${pattern}" cannot run in linear time (no lookarounds or backreferences)${reason}`,
      );
    }
  },
  { code: 're2js' },
);

/** Holds draft-07's meta-schema only; tenant schemas are never added to it. */
const metaChecker = new Ajv({ strict: false, logger: false });
const draft07 = metaChecker.getSchema('http://json-schema.org/draft-07/schema');

/** Keywords whose values are data, not schemas: not searched for schema keywords. */
const dataKeywords = new Set(['enum', 'const', 'examples', 'default']);

/** Depth and costly keywords, found by walking the schema without recursion. */
function shapeProblem(schema: unknown, base: (string | number)[]): SchemaProblem | undefined {
  const stack: { value: unknown; path: (string | number)[]; data: boolean }[] = [
    { value: schema, path: base, data: false },
  ];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, path, data } = item;
    if (typeof value !== 'object' || value === null) continue;
    if (path.length - base.length > limits.schemaDepth) {
      return {
        code: 'schema_too_deep',
        message: `a schema may nest at most ${limits.schemaDepth} levels of objects and arrays`,
        path: base,
      };
    }
    if (!data && !Array.isArray(value)) {
      const problem = keywordProblem(value, path);
      if (problem !== undefined) return problem;
    }
    for (const [key, child] of Object.entries(value)) {
      stack.push({ value: child, path: [...path, key], data: data || dataKeywords.has(key) });
    }
  }
  return undefined;
}

/**
 * Costly or unusable keywords of one schema object: every pattern is tried here, since Ajv
 * leaves out those whose subschema accepts everything and would not notice them.
 */
function keywordProblem(schema: object, path: (string | number)[]): SchemaProblem | undefined {
  const patterns: [pattern: unknown, at: (string | number)[]][] = [];
  if ('pattern' in schema) patterns.push([schema.pattern, [...path, 'pattern']]);
  if ('patternProperties' in schema && typeof schema.patternProperties === 'object') {
    for (const key of Object.keys(schema.patternProperties ?? {})) {
      patterns.push([key, [...path, 'patternProperties', key]]);
    }
  }
  for (const [pattern, at] of patterns) {
    if (typeof pattern !== 'string') continue; // the meta-schema check names it
    try {
      linearTimeEngine(pattern);
    } catch (error) {
      if (!(error instanceof PatternRefused)) throw error;
      return { code: error.code, message: error.message, path: at };
    }
  }
  if ('uniqueItems' in schema && schema.uniqueItems === true) {
    const problem = uniqueItemsProblem(schema);
    if (problem !== undefined) return { ...problem, path: [...path, 'uniqueItems'] };
  }
  return undefined;
}

/**
 * `uniqueItems` compares every pair of items unless the items are declared scalar (then Ajv
 * uses a hash), so it needs scalar item types or `maxItems` within the bound.
 */
function uniqueItemsProblem(schema: object): Omit<SchemaProblem, 'path'> | undefined {
  const items: unknown = 'items' in schema ? schema.items : undefined;
  const itemType: unknown =
    typeof items === 'object' && items !== null && 'type' in items ? items.type : undefined;
  const types = Array.isArray(itemType) ? itemType : [itemType];
  const scalar =
    itemType !== undefined &&
    types.every((t) => typeof t === 'string' && t !== 'object' && t !== 'array');
  const maxItems: unknown = 'maxItems' in schema ? schema.maxItems : undefined;
  if (scalar || (typeof maxItems === 'number' && maxItems <= limits.uniqueItemsMaxItems)) {
    return undefined;
  }
  return {
    code: 'schema_unique_items_unbounded',
    message: `uniqueItems needs items of scalar types, or maxItems of at most ${limits.uniqueItemsMaxItems}`,
  };
}

/**
 * Compiles one schema version in an Ajv instance of its own, so that a `$id` or `$ref` of one
 * schema never resolves against another's (of this tenant or any other), and no remote
 * schema is ever loaded. `format` is not checked.
 */
export function compileSchema(
  schema: unknown,
  path: (string | number)[] = [],
): { ok: true; validate: ValidateFunction } | { ok: false; problem: SchemaProblem } {
  const shape = shapeProblem(schema, path);
  if (shape !== undefined) return { ok: false, problem: shape };
  if (draft07 !== undefined && !draft07(schema)) {
    const [first] = draft07.errors ?? [];
    const where = first?.instancePath.split('/').slice(1) ?? [];
    return {
      ok: false,
      problem: {
        code: 'schema_invalid',
        message: `is not a valid JSON Schema: ${first?.message ?? 'invalid'}`,
        path: [...path, ...where],
      },
    };
  }
  const ajv = new Ajv({
    strict: false,
    allErrors: false,
    meta: false,
    validateSchema: false,
    validateFormats: false,
    logger: false,
    code: { regExp: linearTimeEngine },
  });
  try {
    return { ok: true, validate: ajv.compile(schema as object) };
  } catch (error) {
    if (error instanceof PatternRefused) {
      return { ok: false, problem: { code: error.code, message: error.message, path } };
    }
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      problem: { code: 'schema_invalid', message: `cannot be compiled: ${reason}`, path },
    };
  }
}

/**
 * Checks the `schemas` of an event type as it is written: the bound on their size, then
 * every version compiled. Undefined when all can be used.
 */
export function schemasProblem(schemas: Record<string, unknown>): SchemaProblem | undefined {
  if (Buffer.byteLength(JSON.stringify(schemas)) > limits.schemaBytes) {
    return {
      code: 'schema_too_large',
      message: `an event type's schemas may take at most ${limits.schemaBytes} bytes of JSON`,
      path: [],
    };
  }
  for (const [version, schema] of Object.entries(schemas)) {
    const compiled = compileSchema(schema, [version]);
    if (!compiled.ok) return compiled.problem;
  }
  return undefined;
}

/** The newest version of an event type's schemas (versions compare as numbers), if any. */
export function newestSchema(schemas: Record<string, unknown> | null): object | undefined {
  const versions = Object.keys(schemas ?? {}).sort(
    (a, b) => Number(a) - Number(b) || a.localeCompare(b),
  );
  const newest = versions.at(-1);
  const schema = newest === undefined ? undefined : schemas?.[newest];
  return typeof schema === 'object' && schema !== null ? schema : undefined;
}
