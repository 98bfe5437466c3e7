import type { Id } from '@hookrail/ids';
import type { Response } from 'express';

/** Who is calling, set by the auth middleware. */
export interface TenantAuth {
  tenantId: Id<'tenant'>;
  keyId: Id<'apiKey'>;
}

declare global {
  // Express declares its per-response locals in this global namespace.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      requestId: string;
      auth?: TenantAuth;
    }
  }
}

/** The authenticated tenant; routes that call this are mounted behind tenant auth. */
export function tenantOf(res: Response): Id<'tenant'> {
  const auth = res.locals.auth;
  if (auth === undefined) throw new Error('tenant route reached without tenant auth');
  return auth.tenantId;
}
