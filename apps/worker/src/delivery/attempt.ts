import type { ClaimedDelivery, DeliveryResult } from '@hookrail/db';
import {
  nextRetry,
  parseRetryAfter,
  redactHeaders,
  webhookHeaders,
  type RetryPolicy,
} from '@hookrail/delivery';
import type { Vault } from '@hookrail/secrets';
import type { Sender } from './http-sender.ts';

export interface AttemptDeps {
  sender: Sender;
  /** Opens the endpoint's sealed signing keys. */
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
 * so that recovering the endpoint later can send them again.
 */
export async function attemptDelivery(
  deps: AttemptDeps,
  delivery: ClaimedDelivery,
): Promise<DeliveryResult> {
  const startedAt = new Date(deps.now());
  const trigger = delivery.manual ? 'manual' : 'scheduled';
  if (delivery.endpointDeleted) return { delivery, next: { status: 'canceled' } };
  if (delivery.endpointDisabled || delivery.keys.length === 0) {
    return {
      delivery,
      attempt: {
        trigger,
        outcome: 'failed',
        sent: false,
        startedAt,
        durationMs: 0,
        requestHeaders: {},
        statusCode: null,
        response: null,
        error: delivery.endpointDisabled
          ? 'endpoint_disabled: the endpoint is disabled; the message was not sent'
          : 'no_secret: the endpoint has no signing secret; the message was not sent',
      },
      next: { status: 'failed' },
    };
  }

  const headers = webhookHeaders({
    messageId: delivery.messageId,
    timestamp: Math.floor(startedAt.getTime() / 1000),
    body: delivery.payload,
    keys: delivery.keys.map(({ kind, key }) => ({ kind, key: deps.vault.open(key) })),
    customHeaders: delivery.headers,
    style: delivery.headerStyle,
  });
  const outcome = await deps.sender.send(delivery.url, headers, delivery.payload);
  const succeeded =
    outcome.error === null &&
    outcome.statusCode !== null &&
    outcome.statusCode >= 200 &&
    outcome.statusCode < 300;

  let next: DeliveryResult['next'];
  if (succeeded) {
    next = { status: 'succeeded' };
  } else if (delivery.manual) {
    // A person asked for this one attempt; it is not retried on its own.
    next = { status: 'failed' };
  } else {
    const decision = nextRetry(deps.retry, delivery.attempt, deps.random(), {
      statusCode: outcome.statusCode,
      retryAfterMs: parseRetryAfter(outcome.retryAfter, startedAt.getTime()),
    });
    next = decision.retry
      ? { status: 'pending', nextAttemptAt: new Date(deps.now() + decision.delayMs) }
      : { status: 'failed' };
  }
  return {
    delivery,
    attempt: {
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
    next,
  };
}
