import { isId, type Id } from '@hookrail/ids';
import { jwtVerify, SignJWT } from 'jose';

const issuer = 'hookrail';
const audience = 'status-stream';

export interface StreamClaims {
  tenantId: Id<'tenant'>;
  /** The API key it was issued with: revoking the key ends the token too. */
  keyId: Id<'apiKey'>;
  /** Limits the token to one application's events. */
  appId?: Id<'application'>;
}

/**
 * Stream tokens: short-lived HS256 JWTs (jose) that open the status stream, for browsers,
 * which cannot send an Authorization header with a WebSocket. They always expire.
 */
export class StreamTokens {
  private readonly key: Uint8Array;

  constructor(secret: Uint8Array) {
    this.key = secret;
  }

  async issue(
    claims: StreamClaims,
    ttlSeconds: number,
  ): Promise<{ token: string; expiresAt: Date }> {
    const expiresAt = new Date((Math.floor(Date.now() / 1000) + ttlSeconds) * 1000);
    const token = await new SignJWT({
      kid: claims.keyId,
      ...(claims.appId !== undefined && { app: claims.appId }),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(claims.tenantId)
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .sign(this.key);
    return { token, expiresAt };
  }

  /** The token's scope, or undefined when it is not a valid, unexpired stream token. */
  async verify(token: string): Promise<StreamClaims | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        issuer,
        audience,
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
      });
      const { sub: tenantId, kid: keyId, app: appId } = payload;
      if (tenantId === undefined || !isId('tenant', tenantId)) return undefined;
      if (typeof keyId !== 'string' || !isId('apiKey', keyId)) return undefined;
      if (appId !== undefined && (typeof appId !== 'string' || !isId('application', appId)))
        return undefined;
      return { tenantId, keyId, ...(appId !== undefined && { appId }) };
    } catch {
      return undefined;
    }
  }
}
