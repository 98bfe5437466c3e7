// The dashboard's one way to the REST API: same-origin requests carrying the session cookie,
// with the header that state-changing requests need (see the API's http/session.ts). In the
// subscriber portal, requests carry the portal token as a Bearer credential instead, and no
// cookie: a framed portal is a third-party page, where SameSite=Strict cookies are not sent.

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

let onUnauthorized: () => void = () => undefined;

/** The portal token, held in this module only (never in storage, the URL or a cookie). */
let bearer: string | undefined;

/** From now on, requests send `token` as their credential (the subscriber portal). */
export function setBearerToken(token: string): void {
  bearer = token;
}

/** The portal token in use, for the status stream (a WebSocket cannot send headers). */
export function bearerToken(): string | undefined {
  return bearer;
}

/** Called when a request answers 401: the session has ended (expired, key revoked). */
export function whenSignedOut(handler: () => void): void {
  onUnauthorized = handler;
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  headers?: Record<string, string>;
  /** Parse numbers keeping their exact digits (payloads), instead of as doubles. */
  lossless?: boolean;
}

/** Parse context of JSON.parse's reviver (source text access; Chrome 114+, Firefox 135+). */
interface ReviverContext {
  source?: string;
}

function parseLossless(text: string): unknown {
  const raw = (JSON as { rawJSON?: (text: string) => unknown }).rawJSON;
  if (raw === undefined) return JSON.parse(text);
  return JSON.parse(text, (_key, value: unknown, context?: ReviverContext) =>
    typeof value === 'number' && context?.source !== undefined ? raw(context.source) : value,
  );
}

function errorText(detail: unknown): string {
  if (typeof detail === 'string') return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d: { loc?: unknown[]; msg?: string }) => `${(d.loc ?? []).join('.')}: ${d.msg ?? ''}`)
      .join('; ');
  }
  return 'The request failed.';
}

export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> =
    bearer === undefined
      ? { 'x-hookrail-csrf': '1', ...options.headers }
      : { authorization: `Bearer ${bearer}`, ...options.headers };
  const init: RequestInit = {
    method: options.method ?? 'GET',
    headers,
    credentials: bearer === undefined ? 'same-origin' : 'omit',
  };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (cause) {
    throw new ApiError(0, 'network', `Hookrail could not be reached (${String(cause)}).`);
  }
  const text = await res.text();
  if (!res.ok) {
    let body: { code?: string; detail?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // Not our JSON error shape (a proxy's page, say): the status says enough.
    }
    if (res.status === 401) onUnauthorized();
    throw new ApiError(
      res.status,
      body.code ?? 'http_error',
      body.detail === undefined ? `HTTP ${res.status}` : errorText(body.detail),
    );
  }
  if (text === '') return undefined as T;
  return (options.lossless === true ? parseLossless(text) : JSON.parse(text)) as T;
}

/** Builds `path?query` from the defined, non-empty values. */
export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(name, value);
  }
  const search = params.toString();
  return search === '' ? path : `${path}?${search}`;
}

export interface Session {
  signedIn: boolean;
  tenantId?: string;
  tenantName?: string;
  expiresAt?: string;
}

export interface Page<T> {
  data: T[];
  iterator: string | null;
  prevIterator: string | null;
  done: boolean;
}

export interface Application {
  id: string;
  uid: string | null;
  name: string;
}

export interface Endpoint {
  id: string;
  uid: string | null;
  url: string;
  description: string;
  disabled: boolean;
}

export interface EventType {
  name: string;
  description: string;
}

export const deliveryStatuses = ['pending', 'sending', 'succeeded', 'failed', 'canceled'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

export interface LogLine {
  id: string;
  msgId: string;
  appId: string;
  appUid: string | null;
  appName: string;
  endpointId: string;
  endpointUrl: string;
  eventType: string;
  eventId: string | null;
  deliveryStatus: DeliveryStatus;
  attemptCount: number;
  lastStatusCode: number | null;
  nextAttempt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Message {
  id: string;
  eventType: string;
  eventId: string | null;
  payload: unknown;
  channels: string[] | null;
  tags: string[] | null;
  deliverAt: string | null;
  timestamp: string;
}

export interface Destination {
  id: string;
  url: string;
  description: string;
  disabled: boolean;
  deliveryId: string;
  deliveryStatus: DeliveryStatus;
  attemptCount: number;
  lastStatusCode: number | null;
  nextAttempt: string | null;
  endpointDeleted: boolean;
}

export interface Attempt {
  id: string;
  endpointId: string;
  url: string;
  timestamp: string;
  responseStatusCode: number;
  response: string;
  responseDurationMs: number;
  statusText: 'success' | 'fail' | 'pending' | 'sending' | 'canceled';
  triggerType: 0 | 1;
  attemptNumber: number;
  error: string | null;
  requestHeaders: Record<string, string>;
}
