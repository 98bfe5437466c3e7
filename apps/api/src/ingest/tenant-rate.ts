import type { TenantRow } from '@hookrail/db';
import type { IngestLimiter, IngestRate } from '@hookrail/queue';
import type { Response } from 'express';
import { ApiError } from '../http/api-error.ts';

/** The server-wide ingest limit (HOOKRAIL_TENANT_RATE, HOOKRAIL_TENANT_BURST). */
export interface TenantRateDefaults {
  /** Messages per second per tenant; undefined: no limit unless the operator set one. */
  rate: number | undefined;
  /** Messages at once; undefined: one second's worth of the rate. */
  burst: number | undefined;
}

export const noTenantRate: TenantRateDefaults = { rate: undefined, burst: undefined };

/**
 * The tenant's allowance: the operator's setting for it, else the server's default; undefined
 * when neither sets a rate, and then nothing at all is asked of Redis.
 */
export function tenantRateOf(
  tenant: Pick<TenantRow, 'ingestRate' | 'ingestBurst'> | undefined,
  defaults: TenantRateDefaults,
): IngestRate | undefined {
  const rate = tenant?.ingestRate ?? defaults.rate;
  if (rate === undefined) return undefined;
  const burst = tenant?.ingestBurst ?? defaults.burst ?? Math.max(1, Math.ceil(rate));
  return { rate, burst };
}

/**
 * Takes one message from the tenant's allowance, or throws 429 `rate_limited` with
 * Retry-After. When Redis cannot answer quickly the message passes (see IngestLimiter).
 */
export async function spendTenantRate(
  limiter: IngestLimiter,
  res: Response,
  tenantId: string,
  limit: IngestRate | undefined,
): Promise<void> {
  if (limit === undefined) return;
  const verdict = await limiter.admit(tenantId, limit);
  if (!verdict.limited) return;
  res.setHeader('retry-after', String(verdict.retryAfterSeconds));
  throw new ApiError(
    429,
    'rate_limited',
    `This tenant may send ${limit.rate} messages per second (bursts of ${limit.burst}); retry in ${verdict.retryAfterSeconds} s.`,
  );
}
