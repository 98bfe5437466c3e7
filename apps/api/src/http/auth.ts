import { hashToken, isPortalTokenRevoked, type Db } from '@hookrail/db';
import type { Request, RequestHandler } from 'express';
import { timingSafeEqual } from 'node:crypto';
import type { Lookups } from '../cache/lookups.ts';
import { looksLikeJwt, type PortalTokens } from '../portal-tokens.ts';
import { unauthorized } from './api-error.ts';
import type { DashboardSessions } from './session.ts';

export function bearerToken(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Tenant API: `Authorization: Bearer <api key>` (looked up by hash, through a cache that every
 * instance empties of a tenant when its keys change, so a revoked key or deleted tenant stops
 * working at once), or an app portal token, which limits the caller to one application (routes
 * enforce that) and stops working when that application is deleted. Without an Authorization header, the dashboard's session cookie (see
 * session.ts).
 */
export function tenantAuth(
  db: Db,
  lookups: Lookups,
  portalTokens: PortalTokens,
  sessions: DashboardSessions,
): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req);
    if (token === undefined) {
      res.locals.auth = await sessions.authenticate(req);
      next();
      return;
    }
    if (looksLikeJwt(token)) {
      const claims = await portalTokens.verify(token);
      // The tenant and the application must still exist: deleting either ends its portal
      // sessions too. Logout and expire-all are rows in Postgres, so a revoked token fails on
      // every API instance.
      if (
        claims === undefined ||
        (await lookups.tenant(claims.tenantId)) === undefined ||
        (await lookups.application(claims.tenantId, claims.appId)) === undefined ||
        (await isPortalTokenRevoked(db, claims))
      ) {
        throw unauthorized('The app portal token is invalid, expired or revoked.');
      }
      res.locals.auth = { tenantId: claims.tenantId, appId: claims.appId, portal: claims };
    } else {
      const auth = await lookups.apiKey(token);
      if (auth === undefined) throw unauthorized('The API key is unknown or has been revoked.');
      res.locals.auth = auth;
    }
    next();
  };
}

/** Operator API: `Authorization: Bearer <admin token>`, compared by hash in constant time. */
export function adminAuth(adminTokenHash: string): RequestHandler {
  const expected = Buffer.from(adminTokenHash, 'hex');
  return (req, _res, next) => {
    const token = bearerToken(req);
    if (token === undefined) throw unauthorized('Send "Authorization: Bearer <admin token>".');
    if (!timingSafeEqual(Buffer.from(hashToken(token), 'hex'), expected)) {
      throw unauthorized('The admin token is not valid.');
    }
    next();
  };
}
