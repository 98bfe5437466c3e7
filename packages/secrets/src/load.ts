import { decodeKey, loadOrCreateKeyFile } from './key-file.ts';
import { Vault } from './vault.ts';

export interface VaultSettings {
  /** HOOKRAIL_ENCRYPTION_KEY: 32 bytes, base64. */
  key: string | undefined;
  /** HOOKRAIL_PREVIOUS_ENCRYPTION_KEYS: keys being rotated out, still able to open. */
  previousKeys: readonly string[];
  /** HOOKRAIL_DATA_DIR: where a generated key is kept when none is configured. */
  dataDir: string;
}

/**
 * The process's vault: from the configured key, or else from the key file in the data
 * directory (generated on first use). `generatedKeyFile` is set in the second case, so the
 * caller can warn that several machines must share one key.
 */
export async function loadVault(
  settings: VaultSettings,
): Promise<{ vault: Vault; generatedKeyFile?: string }> {
  const previous = settings.previousKeys.map((key, i) =>
    decodeKey(key, `HOOKRAIL_PREVIOUS_ENCRYPTION_KEYS[${i}]`),
  );
  if (settings.key !== undefined) {
    return { vault: new Vault(decodeKey(settings.key, 'HOOKRAIL_ENCRYPTION_KEY'), previous) };
  }
  const { key, file } = await loadOrCreateKeyFile(settings.dataDir);
  return { vault: new Vault(key, previous), generatedKeyFile: file };
}

/** The warning every process logs when it runs on a generated key. */
export function warnGeneratedKey(
  logger: { warn: (context: object, message: string) => void },
  file: string,
): void {
  logger.warn(
    { keyFile: file },
    'HOOKRAIL_ENCRYPTION_KEY is not set: secrets are encrypted with the key generated in this file. ' +
      'Every API and worker process must use the same key: set HOOKRAIL_ENCRYPTION_KEY when they do not share this directory.',
  );
}
