import { hash, randomBytes } from 'node:crypto';

/** A bearer credential: a recognisable prefix and 256 random bits. */
export function newToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/**
 * Tokens carry 256 random bits, so an unsalted SHA-256 is as strong as a slow hash here.
 * One-shot (`hash`): the API hashes the key of every request it authenticates.
 */
export function hashToken(token: string): string {
  return hash('sha256', token, 'hex');
}
