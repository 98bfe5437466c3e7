import { randomBytes } from 'node:crypto';

export const secretPrefix = 'whsec_';

/** Standard Webhooks' recommended size for an HMAC secret. */
const generatedBytes = 24;

/** A new HMAC signing secret: `whsec_` and base64 of 24 random bytes. */
export function generateSecret(): string {
  return secretPrefix + randomBytes(generatedBytes).toString('base64');
}

/** Base64, 32 to 100 characters, optionally after `whsec_` (the format Svix accepts). */
const secretPattern = /^(?:whsec_)?[A-Za-z0-9+/=]{32,100}$/;

/**
 * The key bytes of a secret a user supplied, or undefined when it is not in the accepted
 * format or decodes to fewer than 24 bytes (too weak to sign with).
 */
export function parseSecret(secret: string): Buffer | undefined {
  if (!secretPattern.test(secret)) return undefined;
  const encoded = secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (
    key.length < generatedBytes ||
    key.toString('base64').replace(/=+$/, '') !== encoded.replace(/=+$/, '')
  ) {
    return undefined;
  }
  return key;
}

/** The `whsec_` form of key bytes, as the API shows a secret. */
export function formatSecret(key: Buffer): string {
  return secretPrefix + key.toString('base64');
}
