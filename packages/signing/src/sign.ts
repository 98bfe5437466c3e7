import { createHmac, createSecretKey } from 'node:crypto';
import { signV1a } from './ed25519.ts';

export interface SignInput {
  /** The message id, sent as `webhook-id`. */
  id: string;
  /** Seconds since the epoch, sent as `webhook-timestamp`. */
  timestamp: number;
  /** The exact bytes that will be sent as the request body. */
  body: string | Buffer;
}

/**
 * One Standard Webhooks `v1` signature: base64 of HMAC-SHA256 over `id.timestamp.body`,
 * keyed with the secret's bytes.
 */
export function signV1(key: Buffer, input: SignInput): string {
  // Through a key object: an HMAC keyed with a Buffer directly costs several times as much
  // (Node 24 checks a Buffer key far more slowly than it makes a key object of it).
  const mac = createHmac('sha256', createSecretKey(key));
  mac.update(`${input.id}.${input.timestamp}.`);
  mac.update(input.body);
  return `v1,${mac.digest('base64')}`;
}

/** A signing key: an HMAC secret's bytes, or an ed25519 seed and public key (64 bytes). */
export interface SigningKey {
  kind: 'hmac' | 'ed25519';
  key: Buffer;
}

/**
 * The `webhook-signature` header value: one signature per live secret (`v1,` for HMAC,
 * `v1a,` for ed25519), space separated, so receivers verifying with either the old or the new
 * secret accept it during a rotation.
 */
export function signatureHeader(keys: readonly SigningKey[], input: SignInput): string {
  return keys
    .map((k) => (k.kind === 'ed25519' ? signV1a(k.key, input) : signV1(k.key, input)))
    .join(' ');
}
