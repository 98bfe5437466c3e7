// The portal link is `/dashboard/portal/{app_id}#token=…`. The fragment never reaches a
// server; the page takes the token from it, keeps it in memory only (api.ts) and removes it
// from the address bar, so it is not in the history, a bookmark or a copied address.
import type { Capability } from '../portal-context.tsx';

export interface PortalToken {
  token: string;
  /** The application it is for (`sub`). */
  appId: string;
  capabilities: Set<Capability>;
}

/** The claims the page needs, read (not verified: the API does that) from the JWT. */
function claimsOf(token: string): PortalToken | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { sub?: unknown; cap?: unknown };
    if (typeof claims.sub !== 'string') return undefined;
    // Tokens without `cap` predate capabilities and carry them all.
    const capabilities = Array.isArray(claims.cap)
      ? claims.cap.filter((c): c is Capability => typeof c === 'string')
      : ([
          'ViewBase',
          'ViewEndpointSecret',
          'ManageEndpointSecret',
          'CreateAttempts',
          'ManageEndpoint',
        ] satisfies Capability[]);
    return { token, appId: claims.sub, capabilities: new Set(capabilities) };
  } catch {
    return undefined;
  }
}

/**
 * Takes the token out of the address's fragment (removing it from the address bar), once:
 * after a reload the page has none and asks for the link again.
 */
export function takeTokenFromAddress(): PortalToken | undefined {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const token = fragment.get('token');
  if (token === null) return undefined;
  history.replaceState(history.state, '', window.location.pathname + window.location.search);
  return claimsOf(token);
}
