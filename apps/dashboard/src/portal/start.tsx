// How the portal starts: the token comes out of the address before anything renders.
import { setBearerToken } from '../api.ts';
import { startPortal } from '../router.tsx';
import { PortalApp, PortalMessage } from './portal-app.tsx';
import { takeTokenFromAddress } from './token.ts';

/**
 * Starts the portal page for the application its path names (`pathApp`; undefined for the
 * older `/dashboard/portal` links), once, before the first render: what to render.
 */
export function startPortalPage(pathApp: string | undefined): React.ReactNode {
  loadLinksOpenedAgain();
  const portal = takeTokenFromAddress();
  if (portal === undefined) {
    return (
      <PortalMessage title="Open your portal link again">
        This page keeps its access only while it is open, so a reload or a copied address does not
        sign in. Open the link you were given again.
      </PortalMessage>
    );
  }
  if (pathApp === undefined) {
    // A link of the older shape (`/dashboard/portal#token=…`): the token names its application.
    window.location.replace(
      `/dashboard/portal/${encodeURIComponent(portal.appId)}#token=${portal.token}`,
    );
    return null;
  }
  if (pathApp !== portal.appId) {
    return (
      <PortalMessage title="This link does not fit together">
        The link names one application and carries access to another. Open the link you were given
        as it is.
      </PortalMessage>
    );
  }
  setBearerToken(portal.token);
  startPortal(portal.appId);
  return <PortalApp scope={{ appId: portal.appId, capabilities: portal.capabilities }} />;
}

/**
 * A portal link opened again in this tab (after a reload, say) differs from the address only
 * in its fragment, so the browser does not load the page again: the page does, and takes the
 * token as on a first opening (which also takes it out of the address bar).
 */
function loadLinksOpenedAgain(): void {
  window.addEventListener('hashchange', () => {
    if (new URLSearchParams(window.location.hash.slice(1)).has('token')) window.location.reload();
  });
}
