import { useEffect, useState } from 'react';
import { request, whenSignedOut, type Session } from './api.ts';
import { Failed, Loading } from './components/states.tsx';
import { DeliveryLog } from './pages/delivery-log.tsx';
import { MessageDetail } from './pages/message-detail.tsx';
import { PagesView } from './pages/pages-view.tsx';
import { appsHref, eventTypesHref } from './pages-routes.ts';
import { SignIn } from './pages/sign-in.tsx';
import { base, Link, useRoute } from './router.tsx';

type SessionState =
  | { state: 'checking' }
  | { state: 'error'; error: Error }
  | { state: 'signed-out'; ended: boolean }
  | { state: 'signed-in'; session: Session };

export function App() {
  const [session, setSession] = useState<SessionState>({ state: 'checking' });

  const check = () => {
    setSession({ state: 'checking' });
    request<Session>('/api/v1/dashboard/session').then(
      (current) =>
        setSession(
          current.signedIn
            ? { state: 'signed-in', session: current }
            : { state: 'signed-out', ended: false },
        ),
      (error: unknown) =>
        setSession({ state: 'error', error: error instanceof Error ? error : new Error('failed') }),
    );
  };
  useEffect(() => {
    whenSignedOut(() => setSession({ state: 'signed-out', ended: true }));
    check();
  }, []);

  switch (session.state) {
    case 'checking':
      return <Loading what="Hookrail" />;
    case 'error':
      return <Failed error={session.error} retry={check} />;
    case 'signed-out':
      return (
        <SignIn
          ended={session.ended}
          onSignedIn={(current) => setSession({ state: 'signed-in', session: current })}
        />
      );
    case 'signed-in':
      return (
        <Shell
          session={session.session}
          onSignedOut={() => setSession({ state: 'signed-out', ended: false })}
        />
      );
  }
}

function Shell(props: { session: Session; onSignedOut: () => void }) {
  const route = useRoute();
  const [error, setError] = useState<string | undefined>();
  const signOut = async () => {
    try {
      await request('/api/v1/dashboard/session', { method: 'DELETE' });
      props.onSignedOut();
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
    }
  };
  return (
    <>
      <header className="top">
        <Link href={`${base}/`} className="brand">
          Hookrail
        </Link>
        <nav aria-label="Main">
          <Link href={`${base}/`}>Delivery log</Link>
          <Link href={appsHref()}>Applications</Link>
          <Link href={eventTypesHref()}>Event types</Link>
        </nav>
        <span className="tenant">{props.session.tenantName}</span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      {error !== undefined && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <main>
        {route.page === 'log' && <DeliveryLog search={route.search} />}
        {route.page === 'message' && <MessageDetail appId={route.appId} msgId={route.msgId} />}
        {(route.page === 'apps' ||
          route.page === 'app' ||
          route.page === 'endpoint' ||
          route.page === 'event-types') && <PagesView route={route} />}
        {route.page === 'not-found' && (
          <>
            <h1>Page not found</h1>
            <p>
              <Link href={`${base}/`}>Go to the delivery log</Link>
            </p>
          </>
        )}
      </main>
    </>
  );
}
