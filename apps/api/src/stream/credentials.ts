import {
  authenticateApiKey,
  findApplication,
  findLiveApiKey,
  getTenant,
  isPortalTokenRevoked,
  type Db,
} from '@hookrail/db';
import type { Id } from '@hookrail/ids';
import type { IncomingMessage } from 'node:http';
import { looksLikeJwt, type PortalTokens } from '../portal-tokens.ts';
import type { StreamTokens } from './stream-tokens.ts';

/** Who is watching: a tenant, or one application of it. */
export interface StreamScope {
  tenantId: Id<'tenant'>;
  appId?: Id<'application'>;
}

/**
 * The credential of an upgrade request: `Authorization: Bearer …`, or the `token` query
 * parameter for browsers (which is why query strings never reach a log line).
 */
export function credentialOf(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (bearer !== undefined) return bearer;
  const token = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  return token === null || token === '' ? undefined : token;
}

/**
 * What a credential may watch, checked against Postgres now: a tenant API key (the tenant),
 * an app portal token or a stream token (one application, when it names one). Undefined when
 * it is unknown, revoked, expired, or its tenant or application is gone (deleted). Run again
 * while the connection lives, so that a revocation, a deletion or an expiry ends it.
 */
export async function authenticate(
  deps: { db: Db; portalTokens: PortalTokens; streamTokens: StreamTokens },
  token: string,
): Promise<StreamScope | undefined> {
  const scope = await credentialScope(deps, token);
  if (scope?.appId === undefined) return scope;
  const app = await findApplication(deps.db, scope.tenantId, scope.appId);
  return app === undefined ? undefined : scope;
}

async function credentialScope(
  deps: { db: Db; portalTokens: PortalTokens; streamTokens: StreamTokens },
  token: string,
): Promise<StreamScope | undefined> {
  if (!looksLikeJwt(token)) {
    const auth = await authenticateApiKey(deps.db, token);
    return auth && { tenantId: auth.tenantId };
  }
  const stream = await deps.streamTokens.verify(token);
  if (stream !== undefined) {
    const key = await findLiveApiKey(deps.db, stream.keyId);
    if (key?.tenantId !== stream.tenantId) return undefined;
    return { tenantId: stream.tenantId, ...(stream.appId && { appId: stream.appId }) };
  }
  // A portal token ends as it does for the REST API: with its tenant, or revoked by its
  // session's logout or its application's expire-all.
  const portal = await deps.portalTokens.verify(token);
  if (
    portal === undefined ||
    (await getTenant(deps.db, portal.tenantId)) === undefined ||
    (await isPortalTokenRevoked(deps.db, portal))
  ) {
    return undefined;
  }
  return { tenantId: portal.tenantId, appId: portal.appId };
}
