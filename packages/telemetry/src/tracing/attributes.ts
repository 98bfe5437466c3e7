/**
 * Every attribute a Hookrail span may carry. Spans take only these keys (`SpanAttributes`), so
 * a new one is added here, where its rule is written: ids, counts, HTTP methods and status
 * codes, and words from a fixed list. Never a payload, a secret, an API key, a header value, a
 * URL, or any other string a tenant chose (application uids, event types, channels).
 *
 * The OpenTelemetry names are the semantic conventions' (a test checks them against
 * `@opentelemetry/semantic-conventions`); they are spelled out here so that code which only
 * names an attribute loads nothing of the SDK.
 */
export const attr = {
  /** `GET`, `POST`, ... */
  httpMethod: 'http.request.method',
  /** The route's template as express declares it: `/api/v1/app/:app_id/msg`. */
  httpRoute: 'http.route',
  httpStatus: 'http.response.status_code',
  urlScheme: 'url.scheme',
  /** Why it failed: an HTTP status code, or an error kind (`timeout`, `dns_error`, ...). */
  errorType: 'error.type',
  /** `postgresql`. */
  dbSystem: 'db.system.name',
  /** `INSERT`. */
  dbOperation: 'db.operation.name',
  /** Items one statement or call carried (group commit shares it between requests). */
  dbBatchSize: 'db.operation.batch.size',
  /** `bullmq`. */
  messagingSystem: 'messaging.system',
  /** `send` (the API queueing) or `process` (the worker running a job). */
  messagingOperation: 'messaging.operation.type',
  /** The queue: `deliver`. */
  messagingDestination: 'messaging.destination.name',
  /** Jobs one queue call added. */
  messagingBatchCount: 'messaging.batch.message_count',
  /** The API operation, e.g. `v1.message.create`. */
  operation: 'hookrail.operation',
  tenantId: 'hookrail.tenant.id',
  appId: 'hookrail.application.id',
  messageId: 'hookrail.message.id',
  endpointId: 'hookrail.endpoint.id',
  deliveryId: 'hookrail.delivery.id',
  attemptId: 'hookrail.attempt.id',
  /** The attempt's number, 1 for the first. */
  attempt: 'hookrail.attempt.number',
  /** Deliveries a message made. */
  deliveries: 'hookrail.deliveries',
  /** `success`, `http_error`, `network_error`, `unsent` or `canceled`. */
  outcome: 'hookrail.attempt.outcome',
  /** The delivery's status after the attempt: `succeeded`, `failed`, `retry_scheduled`, ... */
  next: 'hookrail.delivery.next',
} as const;

export type AttributeKey = (typeof attr)[keyof typeof attr];

export type SpanAttributes = Partial<Record<AttributeKey, string | number | boolean>>;
