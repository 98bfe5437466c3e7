import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';

/** Thrown when a sealed value cannot be opened: unknown key, or tampered with. */
export class VaultError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'VaultError';
  }
}

const prefix = 'enc:v1';

/** A short, stable id of a key (not secret: a hash prefix), stored with what it sealed. */
export function keyId(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 12);
}

/**
 * Encryption of secrets at rest: AES-256-GCM with a random 96-bit IV per value, sealed as
 * `enc:v1:<key id>:<iv>:<ciphertext and tag>` (base64url). Values sealed with a previous key
 * still open, so keys can be rotated without downtime; values stored before encryption (no
 * `enc:` prefix, base64) open as they are until re-encrypted.
 */
export class Vault {
  readonly currentKeyId: string;
  // Key objects, made once: a cipher made from a Buffer key costs several times the whole
  // decryption of a signing key (Node 24), and the worker opens one for every delivery.
  private readonly current: KeyObject;
  private readonly keys: Map<string, KeyObject>;

  constructor(current: Buffer, previous: readonly Buffer[] = []) {
    for (const key of [current, ...previous]) {
      if (key.length !== 32) throw new VaultError('an encryption key must be 32 bytes');
    }
    this.current = createSecretKey(current);
    this.currentKeyId = keyId(current);
    this.keys = new Map([current, ...previous].map((key) => [keyId(key), createSecretKey(key)]));
  }

  seal(plaintext: Buffer | string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current, iv);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return `${prefix}:${this.currentKeyId}:${iv.toString('base64url')}:${body.toString('base64url')}`;
  }

  /**
   * The plaintext of `sealed`. A value stored before encryption (no `enc:` prefix) is read as
   * `legacy` says: base64 of the bytes (key material), or the text itself.
   */
  open(sealed: string, legacy: 'base64' | 'utf8' = 'base64'): Buffer {
    if (!sealed.startsWith(`${prefix}:`)) return Buffer.from(sealed, legacy);
    const [, , id = '', iv = '', body = ''] = sealed.split(':');
    const key = this.keys.get(id);
    if (key === undefined) {
      throw new VaultError(`a secret is sealed with key ${id}, which this process does not have`);
    }
    const data = Buffer.from(body, 'base64url');
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]);
    } catch (error) {
      throw new VaultError('a sealed secret failed its integrity check', { cause: error });
    }
  }

  openText(sealed: string): string {
    return this.open(sealed, 'utf8').toString('utf8');
  }

  /** True when `sealed` is not sealed with the current key (legacy or an older key). */
  isStale(sealed: string): boolean {
    return !sealed.startsWith(`${prefix}:${this.currentKeyId}:`);
  }
}
