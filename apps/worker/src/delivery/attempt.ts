import type { ClaimedDelivery, DeliveryResult } from '@hookrail/db';
import { newId, type Id } from '@hookrail/ids';
import {
  openCredentials,
  redactHeaders,
  webhookHeaders,
  type AttemptOutcome,
} from '@hookrail/delivery';
import type { Vault } from '@hookrail/secrets';
import { attr, type TraceSpan, type Tracing } from '@hookrail/telemetry';
import type { Sender, SendOutcome } from './http-sender.ts';

export interface AttemptDeps {
  sender: Sender;
  /** Opens the endpoint's sealed signing keys and credential headers. */
  vault: Vault;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** Where the request's client span goes. @defaultValue none */
  tracing?: Tracing;
}

/** One attempt as made: what `decideAttempt` needs, and the record to keep. */
export interface MadeAttempt {
  startedAt: number;
  outcome: AttemptOutcome;
  /** The attempt's record, without its result (the decision sets it); none when canceled. */
  record: Omit<NonNullable<DeliveryResult['attempt']>, 'outcome'> | undefined;
}

/**
 * Makes one attempt of a claimed delivery; deciding what follows is `decideAttempt`'s. Nothing
 * is sent for a deleted endpoint (no record), a disabled one or one without a secret (a record
 * saying why), or when the request cannot be signed (a signing key or credential header that
 * does not open with this process's encryption keys; the record says so without the error,
 * which concerns key material).
 */
export async function makeAttempt(
  deps: AttemptDeps,
  delivery: ClaimedDelivery,
  /** The id its record gets: chosen before, so that `attempt.started` can name it. */
  attemptId: Id<'attempt'> = newId('attempt'),
  /** The attempt's span, parent of the request's client span. @defaultValue none */
  span?: TraceSpan,
): Promise<MadeAttempt> {
  const startedAt = deps.now();
  const trigger = delivery.manual ? 'manual' : 'scheduled';
  const unsent = (
    reason: 'endpoint_disabled' | 'no_secret' | 'signing_failed',
    error: string,
  ): MadeAttempt => ({
    startedAt,
    outcome: { kind: 'unsent', reason },
    record: {
      id: attemptId,
      trigger,
      sent: false,
      startedAt: new Date(startedAt),
      durationMs: 0,
      requestHeaders: {},
      statusCode: null,
      response: null,
      error: `${reason}: ${error}`,
    },
  });

  if (delivery.endpointDeleted)
    return { startedAt, outcome: { kind: 'canceled' }, record: undefined };
  if (delivery.endpointDisabled) {
    return unsent('endpoint_disabled', 'the endpoint is disabled; the message was not sent');
  }
  if (delivery.keys.length === 0) {
    return unsent('no_secret', 'the endpoint has no signing secret; the message was not sent');
  }
  let headers: Record<string, string>;
  try {
    headers = webhookHeaders({
      messageId: delivery.messageId,
      timestamp: Math.floor(startedAt / 1000),
      body: delivery.payload,
      keys: delivery.keys.map(({ kind, key }) => ({ kind, key: deps.vault.open(key) })),
      customHeaders: openCredentials(delivery.headers, (value) => deps.vault.openText(value)),
      style: delivery.headerStyle,
    });
  } catch {
    return unsent(
      'signing_failed',
      'the signing key or a credential header could not be opened (check HOOKRAIL_ENCRYPTION_KEY); the message was not sent',
    );
  }
  const sent = await send(deps, span, delivery.url, headers, delivery.payload);
  return {
    startedAt,
    outcome: {
      kind: 'sent',
      statusCode: sent.statusCode,
      error: sent.error,
      retryAfter: sent.retryAfter,
    },
    record: {
      id: attemptId,
      trigger,
      sent: true,
      startedAt: new Date(startedAt),
      durationMs: sent.durationMs,
      requestHeaders: redactHeaders(headers),
      statusCode: sent.statusCode,
      response: sent.excerpt,
      error: sent.error,
    },
  };
}

/**
 * The POST, under a client span when the attempt has a recording one. The span has the method
 * and the status only: the URL, its host and every header are the tenant's. No `traceparent`
 * is sent to the endpoint: the request carries exactly the signed Standard Webhooks headers and
 * the endpoint's own, and Hookrail's trace ids are of no use to a subscriber, who cannot see
 * the trace.
 */
async function send(
  deps: AttemptDeps,
  parent: TraceSpan | undefined,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<SendOutcome> {
  if (parent?.recording !== true || deps.tracing === undefined) {
    return deps.sender.send(url, headers, body);
  }
  const span = deps.tracing.startSpan('POST', {
    kind: 'client',
    parent,
    attributes: { [attr.httpMethod]: 'POST' },
  });
  const sent = await deps.sender.send(url, headers, body);
  if (sent.statusCode !== null) span.set({ [attr.httpStatus]: sent.statusCode });
  // Of the error, its kind only (`timeout`, `dns_error`, ...): the rest may quote the URL.
  const errorType = sent.error?.split(':', 1)[0];
  if (errorType !== undefined) span.fail(errorType);
  else if (sent.statusCode !== null && (sent.statusCode < 200 || sent.statusCode > 299)) {
    span.fail(String(sent.statusCode));
  }
  span.end();
  return sent;
}
