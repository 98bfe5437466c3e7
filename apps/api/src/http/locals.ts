import type { Id } from '@hookrail/ids';
import type { TraceSpan } from '@hookrail/telemetry';
import type { Response } from 'express';
import type { PortalClaims } from '../portal-tokens.ts';

/** Who is calling, set by the auth middleware: a tenant key, or an app portal token. */
export interface TenantAuth {
  tenantId: Id<'tenant'>;
  /** The API key used, for a tenant key. */
  keyId?: Id<'apiKey'>;
  /** The one application an app portal token may act on. */
  appId?: Id<'application'>;
  /** For an app portal token: its id, session and capabilities. */
  portal?: PortalClaims;
}

declare global {
  // Express declares its per-response locals in this global namespace.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      requestId: string;
      auth?: TenantAuth;
      /** SHA-256 of the raw request body, when there was one with an Idempotency-Key. */
      bodyHash?: string;
      /** The route the request matched: its full express path and its operation. */
      route?: { path: string; operationId: string };
      /** The request's server span, when tracing is on (see trace-requests.ts). */
      span?: TraceSpan;
    }
  }
}

/** The authenticated tenant; routes that call this are mounted behind tenant auth. */
export function tenantOf(res: Response): Id<'tenant'> {
  const auth = res.locals.auth;
  if (auth === undefined) throw new Error('tenant route reached without tenant auth');
  return auth.tenantId;
}
