import type { ClaimedDelivery, DeliveryResult } from '@hookrail/db';
import { newId, type Id } from '@hookrail/ids';
import {
  openCredentials,
  redactHeaders,
  webhookHeaders,
  type AttemptOutcome,
} from '@hookrail/delivery';
import type { Vault } from '@hookrail/secrets';
import type { Sender } from './http-sender.ts';

export interface AttemptDeps {
  sender: Sender;
  /** Opens the endpoint's sealed signing keys and credential headers. */
  vault: Vault;
  /** Milliseconds since the epoch. */
  now: () => number;
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
  const sent = await deps.sender.send(delivery.url, headers, delivery.payload);
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
