// The subscriber portal: one application of one tenant, opened with the link that
// `app-portal-access` gives (`/dashboard/portal/{app_id}#token=…`), possibly inside a frame of
// the tenant's own product. It shows that application's delivery log, message detail,
// endpoints and the tenant's event-type catalogue, with the tenant's branding, and offers only
// what the token's capabilities allow.
import { useEffect, useState } from 'react';
import { request, whenSignedOut, type Application } from '../api.ts';
import { EventTypeCatalogue } from '../components/event-type-catalogue.tsx';
import { Failed, Loading } from '../components/states.tsx';
import { PortalProvider, type PortalScope } from '../portal-context.tsx';
import { readableAccent } from './accent.ts';
import { appPath } from '../resources.ts';
import { DeliveryLog } from '../pages/delivery-log.tsx';
import { EndpointPage } from '../pages/endpoint-detail.tsx';
import { EndpointList } from '../pages/endpoints.tsx';
import { MessageDetail } from '../pages/message-detail.tsx';
import { base, Link, useLocationRoute } from '../router.tsx';
import { useLoad } from '../use-load.ts';

interface Branding {
  displayName: string | null;
  logoUrl: string | null;
  accentColor: string | null;
}

type PortalRoute =
  | { page: 'log'; search: URLSearchParams }
  | { page: 'message'; msgId: string }
  | { page: 'endpoints' }
  | { page: 'endpoint'; endpointId: string }
  | { page: 'event-types' }
  | { page: 'not-found' };

function parsePortalRoute(location: Location): PortalRoute {
  const path = location.pathname.slice(base.length).replace(/\/+$/, '');
  if (path === '') return { page: 'log', search: new URLSearchParams(location.search) };
  if (path === '/endpoints') return { page: 'endpoints' };
  if (path === '/event-types') return { page: 'event-types' };
  const message = /^\/msg\/([^/]+)$/.exec(path)?.[1];
  if (message !== undefined) return { page: 'message', msgId: decodeURIComponent(message) };
  const endpoint = /^\/endpoint\/([^/]+)$/.exec(path)?.[1];
  if (endpoint !== undefined) return { page: 'endpoint', endpointId: decodeURIComponent(endpoint) };
  return { page: 'not-found' };
}

const endpointsHref = () => `${base}/endpoints`;
const endpointHref = (endpointId: string) => `${base}/endpoint/${encodeURIComponent(endpointId)}`;

/** The portal, once its token is in hand; `scope` says which application and what it may do. */
export function PortalApp(props: { scope: PortalScope }) {
  const { appId } = props.scope;
  const [ended, setEnded] = useState(false);
  useEffect(() => whenSignedOut(() => setEnded(true)), []);
  const portal = useLoad(`portal:${appId}`, async () => {
    const [app, branding] = await Promise.all([
      request<Application>(appPath(appId)),
      request<Branding>(`${appPath(appId)}/portal`),
    ]);
    return { app, branding };
  });
  const branding = portal.result.state === 'done' ? portal.result.data.branding : undefined;
  useEffect(() => {
    const title = branding?.displayName ?? 'Webhooks';
    document.title = title;
    if (branding?.accentColor != null) {
      // CSSOM, not a style attribute: the page's CSP allows no inline styles. A colour too
      // light to read on the page is shown darkened (accent.ts).
      document.documentElement.style.setProperty('--accent', readableAccent(branding.accentColor));
    }
  }, [branding]);

  if (ended) {
    return (
      <PortalMessage title="This link has expired">
        Your access through this link has ended (it expired or was revoked). Ask for a new link
        where you found this one.
      </PortalMessage>
    );
  }
  if (portal.result.state === 'loading') return <Loading what="the portal" />;
  if (portal.result.state === 'error') {
    return <Failed error={portal.result.error} retry={() => portal.reload()} />;
  }
  const { app } = portal.result.data;
  return (
    <PortalProvider value={props.scope}>
      <header className="top portal-top">
        <span className="brand">
          {branding?.logoUrl != null && <img className="logo" src={branding.logoUrl} alt="" />}
          {branding?.displayName ?? 'Webhooks'}
        </span>
        <nav aria-label="Portal">
          <Link href={`${base}/`}>Deliveries</Link>
          <Link href={endpointsHref()}>Endpoints</Link>
          <Link href={`${base}/event-types`}>Event types</Link>
        </nav>
        <span className="tenant">{app.name}</span>
      </header>
      <main>
        <PortalPage scope={props.scope} />
      </main>
    </PortalProvider>
  );
}

function PortalPage(props: { scope: PortalScope }) {
  const route = useLocationRoute(parsePortalRoute);
  const { appId, capabilities } = props.scope;
  switch (route.page) {
    case 'log':
      return <DeliveryLog search={route.search} />;
    case 'message':
      return <MessageDetail key={route.msgId} appId={appId} msgId={route.msgId} />;
    case 'endpoints':
      return (
        <>
          <h1>Endpoints</h1>
          <EndpointList
            appId={appId}
            hrefOf={endpointHref}
            canCreate={capabilities.has('ManageEndpoint')}
          />
        </>
      );
    case 'endpoint':
      return (
        <EndpointPage
          key={route.endpointId}
          appId={appId}
          endpointId={route.endpointId}
          backHref={endpointsHref()}
          backLabel="← Endpoints"
        />
      );
    case 'event-types':
      return (
        <>
          <h1>Event types</h1>
          <p className="hint">
            What can be sent to your endpoints: each type with its description, its newest schema
            and examples. An endpoint receives the types its filter names, or all of them.
          </p>
          <EventTypeCatalogue />
        </>
      );
    case 'not-found':
      return (
        <>
          <h1>Page not found</h1>
          <p>
            <Link href={`${base}/`}>Go to the deliveries</Link>
          </p>
        </>
      );
  }
}

/** A page of its own, when the portal cannot be shown. */
export function PortalMessage(props: { title: string; children: React.ReactNode }) {
  return (
    <main className="portal-message">
      <h1>{props.title}</h1>
      <p>{props.children}</p>
    </main>
  );
}
