import { resealAll, type Db } from '@hookrail/db';
import type { Vault } from '@hookrail/secrets';

/**
 * Re-encrypts every secret at rest with the vault's current key: endpoint signing keys, the
 * portal JWT secret and stored idempotent responses. Run after rotating the encryption key,
 * with the old key in HOOKRAIL_PREVIOUS_ENCRYPTION_KEYS so that values sealed with it open.
 * Values stored before encryption existed are sealed too.
 */
export async function reencrypt(db: Db, vault: Vault): Promise<Record<string, number>> {
  return resealAll(db, `enc:v1:${vault.currentKeyId}:`, (sealed, table) =>
    // Idempotent responses were stored as text before encryption; the rest as base64 bytes.
    vault.seal(vault.open(sealed, table === 'idempotency_keys' ? 'utf8' : 'base64')),
  );
}
