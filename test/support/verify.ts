import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { Webhook as Svix1Webhook } from 'svix1';
import type { ReceivedRequest } from './receiver.ts';

/**
 * Verifies a delivery as a receiver would, with the `standardwebhooks` library and with the
 * Svix clients' own verifiers (2.x and 1.x); each throws on a bad signature. Returns the
 * payload the three agree on.
 */
export function verifyDelivery(request: ReceivedRequest | undefined, secret: string): unknown {
  if (request === undefined) throw new Error('no request to verify');
  const headers = Object.fromEntries(
    ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [
      h,
      String(request.headers[h]),
    ]),
  );
  const standard: unknown = new StandardWebhook(secret).verify(request.body, headers);
  new SvixWebhook(secret).verify(request.body, headers); // 2.x returns nothing; throws if bad
  const svix1: unknown = new Svix1Webhook(secret).verify(request.body, headers);
  if (JSON.stringify(svix1) !== JSON.stringify(standard)) {
    throw new Error('the verifiers disagree on the payload');
  }
  return standard;
}
