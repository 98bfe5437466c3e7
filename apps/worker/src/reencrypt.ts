import { resealAll, resealEndpointHeaders, type Db } from '@hookrail/db';
import { sealCredentials } from '@hookrail/delivery';
import type { Vault } from '@hookrail/secrets';

/**
 * Re-encrypts every secret at rest with the vault's current key: endpoint signing keys, the
 * portal JWT secret, the key check every process opens at start, stored idempotent responses
 * and the credential values of endpoints' custom headers. Run after rotating the encryption key, with the old key in
 * HOOKRAIL_PREVIOUS_ENCRYPTION_KEYS so that values sealed with it open. Values stored before
 * encryption existed are sealed too.
 */
export async function reencrypt(db: Db, vault: Vault): Promise<Record<string, number>> {
  const counts = await resealAll(db, `enc:v1:${vault.currentKeyId}:`, (sealed, table) =>
    // Idempotent responses were stored as text before encryption; the rest as base64 bytes.
    vault.seal(vault.open(sealed, table === 'idempotency_keys' ? 'utf8' : 'base64')),
  );
  counts.endpoint_headers = await resealEndpointHeaders(db, (headers) => {
    // Header values were stored as plain text before they were sealed; those open as they are.
    const next = sealCredentials(headers, (value) =>
      vault.isStale(value) ? vault.seal(vault.openText(value)) : value,
    );
    return Object.entries(next).some(([name, value]) => headers[name] !== value) ? next : undefined;
  });
  return counts;
}
