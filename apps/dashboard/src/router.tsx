// A router of a few pages does not need a library: paths under /dashboard, the History API,
// and links that are real <a href> elements (so they open in a new tab, and work by keyboard).
import { useEffect, useState, type MouseEvent, type ReactNode } from 'react';
import { parsePagesRoute, type PagesRoute } from './pages-routes.ts';

/**
 * Where the app's paths begin: the operator's `/dashboard`, or a portal's
 * `/dashboard/portal/{app_id}` (set once by `startPortal`, before anything renders).
 */
export let base = '/dashboard';
/** The application of the portal, whose pages need not name it. */
let portalApp: string | undefined;

export function startPortal(appId: string): void {
  portalApp = appId;
  base = `/dashboard/portal/${encodeURIComponent(appId)}`;
}

export type Route =
  | { page: 'log'; search: URLSearchParams }
  | { page: 'message'; appId: string; msgId: string }
  | PagesRoute
  | { page: 'not-found' };

export function parseRoute(location: Location): Route {
  const path = location.pathname.slice(base.length).replace(/\/+$/, '');
  if (path === '') return { page: 'log', search: new URLSearchParams(location.search) };
  const message = /^\/app\/([^/]+)\/msg\/([^/]+)$/.exec(path);
  if (message?.[1] !== undefined && message[2] !== undefined) {
    return {
      page: 'message',
      appId: decodeURIComponent(message[1]),
      msgId: decodeURIComponent(message[2]),
    };
  }
  return parsePagesRoute(path) ?? { page: 'not-found' };
}

const listeners = new Set<() => void>();

/** Goes to a dashboard URL without a reload; `replace` keeps the history entry (filters). */
export function navigate(href: string, options: { replace?: boolean } = {}): void {
  if (options.replace === true) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  return useLocationRoute(parseRoute);
}

/** The route `parse` reads from the address, kept up to date as the user moves. */
export function useLocationRoute<R>(parse: (location: Location) => R): R {
  const [route, setRoute] = useState(() => parse(window.location));
  useEffect(() => {
    const update = () => setRoute(parse(window.location));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

export function messageHref(appId: string, msgId: string): string {
  if (portalApp !== undefined) return `${base}/msg/${encodeURIComponent(msgId)}`;
  return `${base}/app/${encodeURIComponent(appId)}/msg/${encodeURIComponent(msgId)}`;
}

export function Link(props: { href: string; children: ReactNode; className?: string }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    // Let the browser handle new-tab and other modified clicks.
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    navigate(props.href);
    window.scrollTo(0, 0);
  };
  return (
    <a href={props.href} className={props.className} onClick={follow}>
      {props.children}
    </a>
  );
}
