import type { ClaimedDelivery, DeliveryResult } from '@hookrail/db';
import { newId } from '@hookrail/ids';
import {
  nextRetry,
  openCredentials,
  parseRetryAfter,
  redactHeaders,
  webhookHeaders,
  type FailedResponse,
  type RetryPolicy,
} from '@hookrail/delivery';
import type { Vault } from '@hookrail/secrets';
import type { Sender } from './http-sender.ts';

export interface AttemptDeps {
  sender: Sender;
  /** Opens the endpoint's sealed signing keys and credential headers. */
  vault: Vault;
  retry: RetryPolicy;
  /** Milliseconds since the epoch. */
  now: () => number;
  /** A number in [0, 1), for retry jitter. */
  random: () => number;
}

/**
 * Makes one attempt of a claimed delivery and decides what becomes of it: a failure is
 * retried on the schedule (or after the receiver's Retry-After), unless the attempt was
 * manual (a resend or recovery) or the endpoint answered 410. Deliveries of a deleted endpoint
 * are canceled unsent; those of a disabled endpoint fail unsent, with an attempt saying why,
 * so that recovering the endpoint later can send them again. If the request cannot even be
 * signed (a signing key that does not open with this process's encryption keys), the attempt
 * fails unsent and follows the schedule like any other failure, so that the delivery still
 * ends, and a resend after the fix sends it. The same holds for a credential header value
 * (sealed like the keys) that does not open.
 */
export async function attemptDelivery(
  deps: AttemptDeps,
  delivery: ClaimedDelivery,
): Promise<DeliveryResult> {
  const startedAt = new Date(deps.now());
  const trigger = delivery.manual ? 'manual' : 'scheduled';
  /** After a failure: the schedule's next attempt, unless a person asked for this one. */
  const retryOrFail = (failure?: FailedResponse): DeliveryResult['next'] => {
    if (delivery.manual) return { status: 'failed' };
    const decision = nextRetry(deps.retry, delivery.attempt, deps.random(), failure);
    return decision.retry
      ? { status: 'pending', nextAttemptAt: new Date(deps.now() + decision.delayMs) }
      : { status: 'failed' };
  };
  /** An attempt that sent nothing, saying why. */
  const unsent = (error: string, next: DeliveryResult['next']): DeliveryResult => ({
    delivery,
    attempt: {
      id: newId('attempt'),
      trigger,
      outcome: 'failed',
      sent: false,
      startedAt,
      durationMs: 0,
      requestHeaders: {},
      statusCode: null,
      response: null,
      error,
    },
    next,
  });

  if (delivery.endpointDeleted) return { delivery, next: { status: 'canceled' } };
  if (delivery.endpointDisabled) {
    return unsent('endpoint_disabled: the endpoint is disabled; the message was not sent', {
      status: 'failed',
    });
  }
  if (delivery.keys.length === 0) {
    return unsent('no_secret: the endpoint has no signing secret; the message was not sent', {
      status: 'failed',
    });
  }

  let headers: Record<string, string>;
  try {
    headers = webhookHeaders({
      messageId: delivery.messageId,
      timestamp: Math.floor(startedAt.getTime() / 1000),
      body: delivery.payload,
      keys: delivery.keys.map(({ kind, key }) => ({ kind, key: deps.vault.open(key) })),
      customHeaders: openCredentials(delivery.headers, (value) => deps.vault.openText(value)),
      style: delivery.headerStyle,
    });
  } catch {
    // The error itself stays out of the record: it concerns key material.
    return unsent(
      'signing_failed: the signing key or a credential header could not be opened (check HOOKRAIL_ENCRYPTION_KEY); the message was not sent',
      retryOrFail(),
    );
  }
  const outcome = await deps.sender.send(delivery.url, headers, delivery.payload);
  const succeeded =
    outcome.error === null &&
    outcome.statusCode !== null &&
    outcome.statusCode >= 200 &&
    outcome.statusCode < 300;
  return {
    delivery,
    attempt: {
      id: newId('attempt'),
      trigger,
      outcome: succeeded ? 'succeeded' : 'failed',
      sent: true,
      startedAt,
      durationMs: outcome.durationMs,
      requestHeaders: redactHeaders(headers),
      statusCode: outcome.statusCode,
      response: outcome.excerpt,
      error: outcome.error,
    },
    next: succeeded
      ? { status: 'succeeded' }
      : retryOrFail({
          statusCode: outcome.statusCode,
          retryAfterMs: parseRetryAfter(outcome.retryAfter, startedAt.getTime()),
        }),
  };
}
