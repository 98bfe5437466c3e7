import { createHash } from 'node:crypto';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { EventTypeRow } from '@hookrail/db';
import { compileSchema, newestSchema, type SchemaProblem } from './compile.ts';

export { newestSchema, schemasProblem, type SchemaProblem } from './compile.ts';

export interface PayloadSchemasOptions {
  /** Compiled validators kept at most. @defaultValue 1000 */
  maxEntries?: number;
  /** JSON text of the schemas behind the kept validators, in bytes, at most. @defaultValue 32 MiB */
  maxBytes?: number;
}

type Entry =
  { validate: ValidateFunction; bytes: number } | { problem: SchemaProblem; bytes: number };

/** What check finds wrong: where in the payload, what, and the 422 detail type. */
export interface PayloadProblem {
  path: string[];
  message: string;
  type: string;
}

/**
 * Validates message payloads against their event type's JSON Schema (the newest version), for
 * tenants that turned validation on. Compiled validators are cached per tenant, event type and
 * schema content (a hash of it: any change of the schema is a new entry, whatever else
 * changed), least recently used first out, bounded in entries and in schema bytes so that
 * memory stays flat however often schemas change.
 */
export class PayloadSchemas {
  private readonly cache = new Map<string, Entry>();
  private bytes = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(options: PayloadSchemasOptions = {}) {
    this.maxEntries = options.maxEntries ?? 1000;
    this.maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  }

  /** Validators held now, and the bytes of schema text behind them. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.bytes };
  }

  /**
   * Undefined when the payload matches, or the event type has no schema; else the first
   * problem. A schema that cannot be compiled (stored before schemas were checked when
   * written) refuses every payload, saying so, rather than letting everything through.
   */
  check(eventType: EventTypeRow, payload: unknown): PayloadProblem | undefined {
    const schema = newestSchema(eventType.schemas);
    if (schema === undefined) return undefined;
    const entry = this.entry(eventType, schema);
    if ('problem' in entry) {
      return {
        path: [],
        message: `cannot be checked: the schema of event type ${eventType.name} ${entry.problem.message}; replace it with PUT /api/v1/event-type/${eventType.name}`,
        type: entry.problem.code,
      };
    }
    if (entry.validate(payload)) return undefined;
    const [error] = entry.validate.errors ?? [];
    return error === undefined
      ? { path: [], message: 'does not match the schema', type: 'schema' }
      : describe(error);
  }

  private entry(eventType: EventTypeRow, schema: object): Entry {
    const text = JSON.stringify(schema);
    const digest = createHash('sha256').update(text).digest('base64url');
    const key = `${eventType.tenantId}/${eventType.name}/${digest}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      // Re-inserted, so that the map's order is least recently used first.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const compiled = compileSchema(schema);
    const bytes = Buffer.byteLength(text);
    const entry: Entry = compiled.ok
      ? { validate: compiled.validate, bytes }
      : { problem: compiled.problem, bytes };
    this.cache.set(key, entry);
    this.bytes += bytes;
    for (const [oldest, old] of this.cache) {
      if (this.cache.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      if (oldest === key) break; // the newest entry stays, whatever its size
      this.cache.delete(oldest);
      this.bytes -= old.bytes;
    }
    return entry;
  }
}

function describe(error: ErrorObject): PayloadProblem {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (error.keyword === 'required' && typeof error.params.missingProperty === 'string') {
    return {
      path: [...path, error.params.missingProperty],
      message: 'is required by the event type schema',
      type: 'schema',
    };
  }
  return { path, message: `${error.message ?? 'is invalid'} (event type schema)`, type: 'schema' };
}
