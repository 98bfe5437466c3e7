import { sql } from 'drizzle-orm';
import type { Db } from './client.ts';
import { isUnavailableError } from './errors.ts';
import { initSetting, jwtSecretSetting, keyCheckSetting, readSetting } from './queries/settings.ts';

/**
 * Fails the start of an API or a worker (a StartupError naming HOOKRAIL_ENCRYPTION_KEY, exit
 * 78) when its keys are not those the installation's secrets are sealed with; without it the
 * process would run and fail every secret it opens (a worker: every delivery). `keys` seals and
 * opens with the process's vault (@hookrail/secrets `keyCheck`).
 *
 * The key check setting is made by the first process to start and opened by every process
 * after it, in every configuration. An installation upgraded from a version without the key
 * check has none yet, and a process with the wrong key must not be the one that seals it,
 * which would lock out every process with the right key. So what the installation already
 * sealed is opened first: the portal JWT secret an API generated, when there is one (opening
 * it too once the check exists costs one read; both are re-sealed together by re-encryption),
 * and, while there is no check yet, the newest endpoint signing secret (with
 * HOOKRAIL_JWT_SECRET configured, the JWT secret is not stored).
 *
 * A Postgres that cannot be reached leaves the check undone: the worker starts paused and
 * waits for it.
 */
export async function checkEncryptionKey(
  db: Db,
  keys: { seal(): string; open(sealed: string): void },
): Promise<void> {
  try {
    const jwtSecret = await readSetting(db, jwtSecretSetting);
    if (jwtSecret !== undefined) keys.open(jwtSecret);
    const check = await readSetting(db, keyCheckSetting);
    if (check !== undefined) {
      keys.open(check);
      return;
    }
    if (jwtSecret === undefined) {
      const newest = await db.execute<{ key: string }>(
        sql`select key from endpoint_secrets order by created_at desc limit 1`,
      );
      if (newest.rows[0] !== undefined) keys.open(newest.rows[0].key);
    }
    // Another process may have sealed it meanwhile: whichever was first is opened.
    keys.open((await initSetting(db, keyCheckSetting, keys.seal())).value);
  } catch (error) {
    // A StartupError from `open` is not one of these, and goes on.
    if (isUnavailableError(error)) return;
    throw error;
  }
}
