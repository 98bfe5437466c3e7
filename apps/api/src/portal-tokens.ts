import type { Id } from '@hookrail/ids';
import { isId } from '@hookrail/ids';
import { jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';

const issuer = 'hookrail';
const audience = 'app-portal';

/** Svix's AppPortalCapability values; the README maps each to the routes it opens. */
export const portalCapabilities = [
  'ViewBase',
  'ViewEndpointSecret',
  'ManageEndpointSecret',
  'ManageTransformations',
  'CreateAttempts',
  'ManageEndpoint',
] as const;
export type PortalCapability = (typeof portalCapabilities)[number];

/** What a token may do, as asked for when it was issued. */
export interface PortalGrant {
  /** Absent: every capability. ViewBase is always granted. */
  capabilities?: readonly PortalCapability[] | undefined;
  /** Svix's older switch: only ViewBase, whatever `capabilities` says. */
  readOnly?: boolean | undefined;
  sessionId?: string | undefined;
  /** The feature flags whose event types the token may see (Svix's `featureFlags`). */
  featureFlags?: readonly string[] | undefined;
}

export interface PortalClaims {
  tenantId: Id<'tenant'>;
  appId: Id<'application'>;
  /** The token's own id (`jti`), for logout. */
  tokenId: string;
  sessionId: string | undefined;
  /** When it was issued, to the millisecond, for expire-all. */
  issuedAt: Date;
  capabilities: ReadonlySet<PortalCapability>;
  /** The feature flags it was issued with: event types behind other flags stay hidden. */
  featureFlags: readonly string[];
}

/** What each capability brings with it (Svix: managing a thing includes seeing it). */
const implied: Record<PortalCapability, PortalCapability[]> = {
  ViewBase: [],
  ViewEndpointSecret: [],
  ManageEndpointSecret: ['ViewEndpointSecret'],
  ManageTransformations: [],
  CreateAttempts: [],
  ManageEndpoint: ['ViewEndpointSecret', 'ManageEndpointSecret'],
};

/** The capabilities a grant amounts to. */
export function grantedCapabilities(grant: PortalGrant): Set<PortalCapability> {
  if (grant.readOnly === true) return new Set(['ViewBase']);
  const asked = grant.capabilities ?? portalCapabilities;
  return new Set<PortalCapability>(['ViewBase', ...asked, ...asked.flatMap((c) => implied[c])]);
}

function isCapability(value: unknown): value is PortalCapability {
  return portalCapabilities.includes(value as PortalCapability);
}

/**
 * App portal tokens: HS256 JWTs (jose) scoped to one application of one tenant, signed with
 * the installation's JWT secret, which every API instance shares. They carry their
 * capabilities; revocation (logout, expire-all) is kept in Postgres and checked by the auth
 * middleware, so it holds on every instance.
 */
export class PortalTokens {
  private readonly key: Uint8Array;

  constructor(secret: Uint8Array) {
    this.key = secret;
  }

  async issue(
    claims: { tenantId: Id<'tenant'>; appId: Id<'application'> },
    ttlSeconds: number,
    grant: PortalGrant = {},
  ): Promise<string> {
    return new SignJWT({
      tnt: claims.tenantId,
      ims: Date.now(),
      cap: [...grantedCapabilities(grant)],
      ...(grant.sessionId !== undefined && { sid: grant.sessionId }),
      ...(grant.featureFlags !== undefined &&
        grant.featureFlags.length > 0 && { ff: [...new Set(grant.featureFlags)] }),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(claims.appId)
      .setJti(randomUUID())
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
      // Tokens issued before capabilities and ids existed: every capability, no logout by id.
      const issuedMs = typeof payload.ims === 'number' ? payload.ims : (payload.iat ?? 0) * 1000;
      const capabilities = Array.isArray(payload.cap)
        ? new Set(payload.cap.filter(isCapability))
        : grantedCapabilities({});
      return {
        tenantId,
        appId,
        tokenId: payload.jti ?? '',
        sessionId: typeof payload.sid === 'string' ? payload.sid : undefined,
        issuedAt: new Date(issuedMs),
        capabilities,
        featureFlags: Array.isArray(payload.ff)
          ? payload.ff.filter((flag): flag is string => typeof flag === 'string')
          : [],
      };
    } catch {
      return undefined;
    }
  }
}

/** Three base64url parts: the shape of a JWT, as opposed to an `hrk_` API key. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}
