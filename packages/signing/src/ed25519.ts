import { createPrivateKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { SignInput } from './sign.ts';

export const asymmetricSecretPrefix = 'whsk_';
export const publicKeyPrefix = 'whpk_';

/**
 * Standard Webhooks' asymmetric secret: `whsk_` + base64 of the 32-byte ed25519 seed followed
 * by the 32-byte public key. Undefined when `secret` is not one.
 */
export function parseAsymmetricSecret(secret: string): Buffer | undefined {
  if (!secret.startsWith(asymmetricSecretPrefix)) return undefined;
  const key = Buffer.from(secret.slice(asymmetricSecretPrefix.length), 'base64');
  return key.length === 64 ? key : undefined;
}

/** A new ed25519 key, as the 64 bytes `whsk_` carries (seed, then public key). */
export function generateAsymmetricKey(): Buffer {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const d = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
  return Buffer.concat([d, x]);
}

export function formatAsymmetricSecret(key: Buffer): string {
  return asymmetricSecretPrefix + key.toString('base64');
}

/** `whpk_` + base64 of the public key: what receivers verify `v1a` signatures with. */
export function publicKeyOf(key: Buffer): string {
  return publicKeyPrefix + key.subarray(32).toString('base64');
}

function privateKey(key: Buffer): KeyObject {
  return createPrivateKey({
    format: 'jwk',
    key: {
      kty: 'OKP',
      crv: 'Ed25519',
      d: key.subarray(0, 32).toString('base64url'),
      x: key.subarray(32).toString('base64url'),
    },
  });
}

/** One Standard Webhooks `v1a` signature: base64 of the ed25519 signature of `id.timestamp.body`. */
export function signV1a(key: Buffer, input: SignInput): string {
  const body = typeof input.body === 'string' ? Buffer.from(input.body) : input.body;
  const content = Buffer.concat([Buffer.from(`${input.id}.${input.timestamp}.`), body]);
  return `v1a,${sign(null, content, privateKey(key)).toString('base64')}`;
}
