import { authenticateApiKey, hashToken, type Db } from '@hookrail/db';
import type { Request, RequestHandler } from 'express';
import { timingSafeEqual } from 'node:crypto';
import { unauthorized } from './api-error.ts';

function bearerToken(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Tenant API: `Authorization: Bearer <api key>`, looked up by hash on every request. */
export function tenantAuth(db: Db): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req);
    if (token === undefined) throw unauthorized();
    const auth = await authenticateApiKey(db, token);
    if (auth === undefined) throw unauthorized('The API key is unknown or has been revoked.');
    res.locals.auth = auth;
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
