import { ApiError } from './api-error.ts';

/**
 * Svix products Hookrail deliberately does not offer, by the paths the Svix clients call. A
 * request to one answers 404 `not_supported` (rather than a bare `not_found`), so a client
 * can tell "Hookrail has no such feature" from "no such object". The README lists them.
 */
export const notSupported: readonly { feature: string; paths: RegExp }[] = [
  {
    feature: 'Transformations',
    paths:
      /^\/api\/v1\/(app\/[^/]+\/(endpoint|destination)\/[^/]+\/transformation|transformation-template)(\/|$)/,
  },
  { feature: 'Integrations', paths: /^\/api\/v1\/app\/[^/]+\/integration(\/|$)/ },
  { feature: 'Statistics', paths: /^\/api\/v1\/(stats|app\/[^/]+\/stats)(\/|$)/ },
  { feature: 'Streaming', paths: /^\/api\/v1\/(stream|auth\/stream)(\/|$|-)/ },
  { feature: 'Polling endpoints', paths: /^\/api\/v1\/app\/[^/]+\/poller(\/|$)/ },
  { feature: 'Ingest sources', paths: /^\/ingest\/api\/v1(\/|$)/ },
  { feature: 'Environments', paths: /^\/api\/v1\/environment(\/|$)/ },
  { feature: 'Connectors', paths: /^\/api\/v1\/connector(\/|$)/ },
  { feature: 'Destinations', paths: /^\/api\/v1\/app\/[^/]+\/destination(\/|$)/ },
  { feature: 'Autoconfig', paths: /^\/api\/v1\/app\/[^/]+\/autoconfig(\/|$)/ },
  { feature: 'OpenAPI import of event types', paths: /^\/api\/v1\/event-type\/import(\/|$)/ },
  {
    feature: 'Bulk content expunge',
    paths: /^\/api\/v1\/app\/[^/]+\/msg\/(bulk-expunge|expunge-all-contents)(\/|$)/,
  },
];

/** The 404 `not_supported` for a path of a Svix feature Hookrail leaves out, if it is one. */
export function notSupportedError(path: string): ApiError | undefined {
  const match = notSupported.find((entry) => entry.paths.test(path));
  if (match === undefined) return undefined;
  return new ApiError(
    404,
    'not_supported',
    `${match.feature}: a Svix feature that Hookrail does not offer (the README's Svix compatibility section lists what is served).`,
  );
}
