import type { Id } from '@hookrail/ids';
import { isId } from '@hookrail/ids';
import { jwtVerify, SignJWT } from 'jose';

const issuer = 'hookrail';
const audience = 'app-portal';

export interface PortalClaims {
  tenantId: Id<'tenant'>;
  appId: Id<'application'>;
}

/**
 * App portal tokens: HS256 JWTs (jose) scoped to one application of one tenant, signed with
 * the installation's JWT secret, which every API instance shares.
 */
export class PortalTokens {
  private readonly key: Uint8Array;

  constructor(secret: Uint8Array) {
    this.key = secret;
  }

  async issue(claims: PortalClaims, ttlSeconds: number, sessionId?: string): Promise<string> {
    return new SignJWT({ tnt: claims.tenantId, ...(sessionId !== undefined && { sid: sessionId }) })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(claims.appId)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.key);
  }

  /** The token's scope, or undefined when it is not a valid, unexpired portal token. */
  async verify(token: string): Promise<PortalClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer,
        audience,
        algorithms: ['HS256'],
      });
      const tenantId = payload.tnt;
      const appId = payload.sub;
      if (typeof tenantId !== 'string' || !isId('tenant', tenantId)) return undefined;
      if (appId === undefined || !isId('application', appId)) return undefined;
      return { tenantId, appId };
    } catch {
      return undefined;
    }
  }
}

/** Three base64url parts: the shape of a JWT, as opposed to an `hrk_` API key. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}
