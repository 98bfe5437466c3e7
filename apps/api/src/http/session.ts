import { findLiveApiKey, type Db } from '@hookrail/db';
import { isId, type Id } from '@hookrail/ids';
import type { Request, Response } from 'express';
import { jwtVerify, SignJWT } from 'jose';
import { ApiError, unauthorized } from './api-error.ts';
import type { TenantAuth } from './locals.ts';

/** The cookie that carries a dashboard session: httpOnly, SameSite=Strict. */
export const sessionCookie = 'hookrail_session';
/**
 * The header every state-changing request made with the session cookie must carry. A page of
 * another origin cannot add a custom header to a request without a CORS preflight, which this
 * API never grants, so the header proves the request came from the dashboard itself.
 */
export const csrfHeader = 'x-hookrail-csrf';
/** How long a sign-in lasts; the operator signs in again with the API key after that. */
export const sessionTtlSeconds = 8 * 60 * 60;

const issuer = 'hookrail';
const audience = 'dashboard';

export interface DashboardSession {
  tenantId: Id<'tenant'>;
  tenantName: string;
  /** The API key signed in with: revoking it ends the session. */
  keyId: Id<'apiKey'>;
  expiresAt: Date;
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

function cookieValue(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * Refuses a request that may have been forged by another site: it must carry the CSRF header,
 * and where the browser says where it came from (Origin, Sec-Fetch-Site), that is this origin.
 */
export function requireSameOrigin(req: Request): void {
  const refuse = (why: string) =>
    new ApiError(
      403,
      'csrf_check_failed',
      `${why} Requests signed in with the dashboard session cookie must come from the dashboard page (same origin, with the ${csrfHeader} header); other clients send "Authorization: Bearer <key>".`,
    );
  if (req.get(csrfHeader) === undefined) throw refuse(`The ${csrfHeader} header is missing.`);
  const site = req.get('sec-fetch-site');
  if (site !== undefined && site !== 'same-origin') throw refuse(`The request came from ${site}.`);
  const origin = req.get('origin');
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (host !== req.get('host')) throw refuse('The request came from another origin.');
}

/**
 * Dashboard sign-in: an API key is exchanged for a short-lived session, a JWT (HS256, jose)
 * kept in an httpOnly, SameSite=Strict cookie, so that the page's scripts never hold the key.
 * The tenant API accepts the session like the key it was made from.
 */
export class DashboardSessions {
  private readonly secret: Uint8Array;
  private readonly db: Db;
  private readonly secureCookie: boolean;

  constructor(options: { secret: Uint8Array; db: Db; secureCookie: boolean }) {
    this.secret = options.secret;
    this.db = options.db;
    this.secureCookie = options.secureCookie;
  }

  /** Sets the session cookie for a live API key (the caller has authenticated it). */
  async signIn(res: Response, keyId: Id<'apiKey'>): Promise<DashboardSession> {
    const key = await findLiveApiKey(this.db, keyId);
    if (key === undefined) throw unauthorized('The API key is unknown or has been revoked.');
    // Whole seconds, as the token's `exp` says.
    const expiresAt = new Date((Math.floor(Date.now() / 1000) + sessionTtlSeconds) * 1000);
    const jwt = await new SignJWT({ key: key.keyId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject(key.tenantId)
      .setIssuedAt()
      .setExpirationTime(expiresAt.getTime() / 1000)
      .sign(this.secret);
    res.setHeader('set-cookie', this.cookie(jwt, sessionTtlSeconds));
    return { ...key, expiresAt };
  }

  signOut(res: Response): void {
    res.setHeader('set-cookie', this.cookie('', 0));
  }

  /** The request's session, when its cookie holds a valid, unexpired one whose key is live. */
  async current(req: Request): Promise<DashboardSession | undefined> {
    const jwt = cookieValue(req, sessionCookie);
    if (jwt === undefined || jwt === '') return undefined;
    let claims: { sub?: unknown; key?: unknown; exp?: unknown };
    try {
      ({ payload: claims } = await jwtVerify(jwt, this.secret, {
        issuer,
        audience,
        algorithms: ['HS256'],
      }));
    } catch {
      return undefined;
    }
    const { sub, key, exp } = claims;
    if (typeof sub !== 'string' || !isId('tenant', sub)) return undefined;
    if (typeof key !== 'string' || !isId('apiKey', key) || typeof exp !== 'number') {
      return undefined;
    }
    const live = await findLiveApiKey(this.db, key);
    if (live?.tenantId !== sub) return undefined;
    return { ...live, expiresAt: new Date(exp * 1000) };
  }

  /** Tenant auth from the session cookie; unsafe methods must pass the CSRF check too. */
  async authenticate(req: Request): Promise<TenantAuth> {
    const session = await this.current(req);
    if (session === undefined) throw unauthorized();
    if (!safeMethods.has(req.method)) requireSameOrigin(req);
    return { tenantId: session.tenantId, keyId: session.keyId };
  }

  private cookie(value: string, maxAge: number): string {
    const attributes = [`Max-Age=${maxAge}`, 'Path=/', 'HttpOnly', 'SameSite=Strict'];
    if (this.secureCookie) attributes.push('Secure');
    return [`${sessionCookie}=${value}`, ...attributes].join('; ');
  }
}
