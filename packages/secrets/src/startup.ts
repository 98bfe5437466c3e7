import { StartupError } from '@hookrail/config';
import { VaultError, type Vault } from './vault.ts';

/**
 * Opens a secret the installation stored, while a process starts. One this process's keys
 * cannot open means it was given another HOOKRAIL_ENCRYPTION_KEY than the processes that
 * stored it: a StartupError naming the variable (the process exits 78), rather than a process
 * that runs and fails at every secret it needs.
 */
export function openAtStartup(vault: Vault, sealed: string): Buffer {
  try {
    return vault.open(sealed);
  } catch (error) {
    if (!(error instanceof VaultError)) throw error;
    throw new StartupError(
      `the secrets in the database cannot be opened with this process's keys (${error.message}): set HOOKRAIL_ENCRYPTION_KEY to the key they were encrypted with (a generated one is HOOKRAIL_DATA_DIR/encryption.key where the first process started), or add it to HOOKRAIL_PREVIOUS_ENCRYPTION_KEYS`,
      { cause: error },
    );
  }
}
