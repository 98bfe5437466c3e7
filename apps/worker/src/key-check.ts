import { isUnavailableError, jwtSecretSetting, readSetting, type Db } from '@hookrail/db';
import { openAtStartup, type Vault } from '@hookrail/secrets';

/**
 * Fails the start with a StartupError naming HOOKRAIL_ENCRYPTION_KEY when the secrets the
 * installation stored were sealed with a key this worker does not have, as the API does: the
 * portal token secret an API generated, when there is one. Without the check the worker would
 * run and fail every delivery whose signing key it cannot open. A Postgres that cannot be
 * reached leaves the check undone: the worker starts paused and waits for it.
 */
export async function checkEncryptionKey(db: Db, vault: Vault): Promise<void> {
  let sealed: string | undefined;
  try {
    sealed = await readSetting(db, jwtSecretSetting);
  } catch (error) {
    if (isUnavailableError(error)) return;
    throw error;
  }
  if (sealed !== undefined) openAtStartup(vault, sealed);
}
