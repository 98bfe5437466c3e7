import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether an `Authorization` header opens `/metrics`: anything does when no token is set,
 * otherwise `Bearer <token>`, compared in constant time (hashes first, so lengths leak nothing).
 */
export function metricsAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = /^Bearer (.+)$/i.exec(header ?? '')?.[1];
  if (given === undefined) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(token));
}

/** The body of a refused scrape, in the API's error shape. */
export const metricsUnauthorized = {
  code: 'unauthorized',
  detail: 'Metrics need "Authorization: Bearer <HOOKRAIL_METRICS_TOKEN>".',
} as const;
