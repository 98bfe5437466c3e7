// The routes of the application, endpoint and event-type pages. Kept apart from router.tsx,
// which only asks `parsePagesRoute` for the paths it does not know.
import { base } from './router.tsx';

export type PagesRoute =
  | { page: 'apps' }
  | { page: 'app'; appId: string }
  | { page: 'endpoint'; appId: string; endpointId: string }
  | { page: 'event-types' };

const decode = decodeURIComponent;

/** The route of a path under /dashboard (without it), or undefined when it is not one of these. */
export function parsePagesRoute(path: string): PagesRoute | undefined {
  if (path === '/apps') return { page: 'apps' };
  if (path === '/event-types') return { page: 'event-types' };
  const app = /^\/app\/([^/]+)$/.exec(path);
  if (app?.[1] !== undefined) return { page: 'app', appId: decode(app[1]) };
  const endpoint = /^\/app\/([^/]+)\/endpoint\/([^/]+)$/.exec(path);
  if (endpoint?.[1] !== undefined && endpoint[2] !== undefined) {
    return { page: 'endpoint', appId: decode(endpoint[1]), endpointId: decode(endpoint[2]) };
  }
  return undefined;
}

// Functions, not constants: router.tsx imports this module, so `base` is read at call time.
export function appsHref(): string {
  return `${base}/apps`;
}
export function eventTypesHref(): string {
  return `${base}/event-types`;
}
export function appHref(appId: string): string {
  return `${base}/app/${encodeURIComponent(appId)}`;
}
export function endpointHref(appId: string, endpointId: string): string {
  return `${appHref(appId)}/endpoint/${encodeURIComponent(endpointId)}`;
}
