import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { EventTypeRow } from '@hookrail/db';

/**
 * Validates message payloads against their event type's JSON Schema (the newest version), for
 * tenants that turned validation on. Compiled validators are cached per event type version.
 */
export class PayloadSchemas {
  private readonly ajv = new Ajv({ allErrors: false, strict: false });
  private readonly cache = new Map<string, ValidateFunction | undefined>();

  /** Undefined when the payload matches, or there is nothing to match; else the first problem. */
  check(
    eventType: EventTypeRow,
    payload: unknown,
  ): { path: string[]; message: string } | undefined {
    const key = `${eventType.tenantId}/${eventType.name}/${eventType.updatedAt.getTime()}`;
    let validate = this.cache.get(key);
    if (!this.cache.has(key)) {
      validate = this.compile(eventType.schemas);
      if (this.cache.size > 1000) this.cache.clear();
      this.cache.set(key, validate);
    }
    if (validate === undefined || validate(payload)) return undefined;
    const [error] = validate.errors ?? [];
    return error === undefined
      ? { path: [], message: 'does not match the schema' }
      : describe(error);
  }

  private compile(schemas: Record<string, unknown> | null): ValidateFunction | undefined {
    const versions = Object.keys(schemas ?? {}).sort(
      (a, b) => Number(a) - Number(b) || a.localeCompare(b),
    );
    const newest = versions.at(-1);
    const schema = newest === undefined ? undefined : schemas?.[newest];
    if (typeof schema !== 'object' || schema === null) return undefined;
    try {
      return this.ajv.compile(schema);
    } catch {
      // A schema Ajv cannot compile validates nothing rather than refusing every message.
      return undefined;
    }
  }
}

function describe(error: ErrorObject): { path: string[]; message: string } {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  if (error.keyword === 'required' && typeof error.params.missingProperty === 'string') {
    return {
      path: [...path, error.params.missingProperty],
      message: 'is required by the event type schema',
    };
  }
  return { path, message: `${error.message ?? 'is invalid'} (event type schema)` };
}
