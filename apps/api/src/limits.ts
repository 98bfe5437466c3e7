import type { z } from 'zod';
import { fieldError } from './http/validate.ts';

/**
 * Bounds a tenant cannot exceed, so that no tenant can make a row, a request or a cache
 * entry arbitrarily large. Each is answered with 422 `validation` and a detail whose `type`
 * is the stable code next to it. The README's security section lists them; keep both in step.
 */
export const limits = {
  /** Custom headers of one endpoint (`too_many_headers`). */
  headersPerEndpoint: 32,
  /** Names and values of one endpoint's custom headers together, in bytes (`headers_too_large`). */
  headerBytesPerEndpoint: 16 * 1024,
  /** Channels of one endpoint (`too_many_channels`); Svix's bound. */
  channelsPerEndpoint: 10,
  /** Event types one endpoint's filter names (`too_many_filter_types`). */
  filterTypesPerEndpoint: 1000,
  /** One header value, in characters (`invalid_header_value`). */
  headerValueLength: 8192,
  /** An event type's `schemas` (every version), as JSON, in bytes (`schema_too_large`). */
  schemaBytes: 64 * 1024,
  /** Nesting of objects and arrays within one schema (`schema_too_deep`). */
  schemaDepth: 32,
  /**
   * `uniqueItems` compares every pair of items unless they are scalars, so it needs scalar item
   * types or `maxItems` of at most this (`schema_unique_items_unbounded`).
   */
  uniqueItemsMaxItems: 500,
  /** Origins a tenant may allow to frame its subscriber portal (`too_many_origins`). */
  frameOriginsPerTenant: 20,
  /** The portal's logo URL, in characters (`invalid_logo_url`). */
  logoUrlLength: 2048,
} as const;

/** Bounds counted in rows, which an operator may change (HOOKRAIL_MAX_…). */
export interface TenantBounds {
  /** Live endpoints of one application (`too_many_endpoints`). @defaultValue 100 */
  endpointsPerApp: number;
  /** Event types of one tenant, archived ones included (`too_many_event_types`). @defaultValue 1000 */
  eventTypesPerTenant: number;
}

export const defaultTenantBounds: TenantBounds = {
  endpointsPerApp: 100,
  eventTypesPerTenant: 1000,
};

/** A request that would exceed a bound, as a 422 whose detail type is the bound's code. */
export function limitExceeded(loc: (string | number)[], msg: string, code: string) {
  return fieldError(loc, msg, code);
}

/**
 * A zod issue whose detail `type` is `code` instead of `custom` (see parse in http/validate.ts),
 * so that programs can tell one refusal from another.
 */
export function codedIssue(
  ctx: z.RefinementCtx,
  code: string,
  message: string,
  path: (string | number)[] = [],
): void {
  ctx.addIssue({ code: 'custom', message, path, params: { type: code } });
}

/** Whether custom headers (plain text) are within the per-endpoint count and size bounds. */
export function headerBoundProblem(
  headers: Readonly<Record<string, string>>,
): { code: string; message: string } | undefined {
  const entries = Object.entries(headers);
  if (entries.length > limits.headersPerEndpoint) {
    return {
      code: 'too_many_headers',
      message: `an endpoint may have at most ${limits.headersPerEndpoint} custom headers`,
    };
  }
  const bytes = entries.reduce(
    (sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(value),
    0,
  );
  if (bytes > limits.headerBytesPerEndpoint) {
    return {
      code: 'headers_too_large',
      message: `an endpoint's custom headers may total at most ${limits.headerBytesPerEndpoint} bytes of names and values`,
    };
  }
  return undefined;
}
