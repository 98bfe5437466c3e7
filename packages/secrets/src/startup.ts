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

/** What the key check seals: not a secret, only something to open. */
const keyCheckText = 'hookrail encryption key check';

/** Seals a new key check value and opens stored ones, with a process's keys. */
export interface KeyCheck {
  /** A key check value sealed with the current key, for an installation that has none yet. */
  seal(): string;
  /** Throws a StartupError naming HOOKRAIL_ENCRYPTION_KEY when `sealed` does not open. */
  open(sealed: string): void;
}

/**
 * The key check of `vault`: a known text sealed once per installation, which every process
 * opens at start. Unlike the secrets themselves it exists in every configuration (a configured
 * HOOKRAIL_JWT_SECRET leaves nothing else sealed to open at start), so a process with the
 * wrong key never runs; previous keys open it, and re-encryption seals it anew.
 */
export function keyCheck(vault: Vault): KeyCheck {
  return {
    seal: () => vault.seal(keyCheckText),
    open: (sealed) => {
      openAtStartup(vault, sealed);
    },
  };
}
