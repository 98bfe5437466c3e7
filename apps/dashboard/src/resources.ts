// Shapes of the REST resources the endpoint, application and catalogue pages read, beside the
// delivery log's in api.ts (the same public API any client uses).
import type { Endpoint, EventType } from './api.ts';

export interface EndpointDetail extends Endpoint {
  filterTypes: string[] | null;
  channels: string[] | null;
  rateLimit: number | null;
  createdAt: string;
  updatedAt: string;
  breakerState: 'closed' | 'open';
  consecutiveFailures: number;
  failingSince: string | null;
  disabledReason: 'manual' | 'gone' | 'failing' | null;
  disabledAt: string | null;
}

export interface EndpointHeaders {
  headers: Record<string, string>;
  sensitive: string[];
}

export interface ApplicationDetail {
  id: string;
  uid: string | null;
  name: string;
  createdAt: string;
  updatedAt: string;
}

export interface EventTypeDetail extends EventType {
  archived: boolean;
  deprecated: boolean;
  schemas: Record<string, unknown> | null;
  groupName: string | null;
  createdAt: string;
}

export type SeriesInterval = '5m' | '15m' | '1h' | '1d';

export interface SeriesBucket {
  start: string;
  succeeded: number;
  failed: number;
  pending: number;
  canceled: number;
}

export interface Series {
  since: string;
  until: string;
  interval: SeriesInterval;
  data: SeriesBucket[];
}

/** Why an endpoint is disabled, in words. */
export const disabledWhy: Record<NonNullable<EndpointDetail['disabledReason']>, string> = {
  manual: 'disabled by hand',
  gone: 'disabled: it answered 410 Gone',
  failing: 'disabled: it kept failing',
};

/** `/api/v1/app/{app}` and the endpoint paths under it. */
export function appPath(appId: string): string {
  return `/api/v1/app/${encodeURIComponent(appId)}`;
}
export function endpointPath(appId: string, endpointId: string): string {
  return `${appPath(appId)}/endpoint/${encodeURIComponent(endpointId)}`;
}

/** Splits "a, b c" into names; an empty list is null (no restriction). */
export function namesOf(text: string): string[] | null {
  const names = text.split(/[\s,]+/).filter(Boolean);
  return names.length === 0 ? null : names;
}
