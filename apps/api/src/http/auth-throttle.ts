import type { AuthThrottle } from '@hookrail/queue';
import type { ErrorRequestHandler } from 'express';
import { looksLikeJwt } from '../portal-tokens.ts';
import { ApiError } from './api-error.ts';
import { bearerToken } from './auth.ts';

/**
 * Slows the guessing of credentials. Every 401 answered to a request that presented an API
 * key or admin token (a Bearer credential that is not a signed portal token: those cannot be
 * guessed) counts as a failure of the client's address (`req.ip`: the socket's address, or
 * the X-Forwarded-For hop the trusted proxies vouch for); past the allowance, failures answer
 * 429 `auth_throttled` with Retry-After instead. Only failures are touched, so a valid
 * credential is never refused, from any address; when Redis cannot count, the 401 stands.
 */
export function authFailures(throttle: AuthThrottle): ErrorRequestHandler {
  return async (error: unknown, req, res, next) => {
    const token = bearerToken(req);
    if (
      !(error instanceof ApiError && error.status === 401) ||
      token === undefined ||
      looksLikeJwt(token)
    ) {
      next(error);
      return;
    }
    const verdict = await throttle.recordFailure(req.ip ?? 'unknown');
    if (!verdict.throttled) {
      next(error);
      return;
    }
    res.setHeader('retry-after', String(verdict.retryAfterSeconds));
    next(
      new ApiError(
        429,
        'auth_throttled',
        `Too many failed authentications from this address; retry in ${verdict.retryAfterSeconds} s.`,
        { cause: error },
      ),
    );
  };
}
