import { eq } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { settings } from '../schema/index.ts';

/**
 * The setting that keeps the portal token secret an API generated (sealed). Every API and
 * worker opens it at start, when there is one (see checkEncryptionKey).
 */
export const jwtSecretSetting = 'jwt_secret';

/**
 * The setting that keeps the key check: a known text sealed by the first process to start,
 * opened by every API and worker at start to find a wrong HOOKRAIL_ENCRYPTION_KEY before
 * anything else (see checkEncryptionKey).
 */
export const keyCheckSetting = 'encryption_key_check';

export async function readSetting(db: DbOrTx, name: string): Promise<string | undefined> {
  const [row] = await db.select().from(settings).where(eq(settings.name, name));
  return row?.value;
}

/**
 * Stores `value` under `name` unless a value is already there. Returns the value that holds
 * and whether this call stored it: when processes race, exactly one of them gets `created`.
 */
export async function initSetting(
  db: DbOrTx,
  name: string,
  value: string,
): Promise<{ value: string; created: boolean }> {
  const inserted = await db
    .insert(settings)
    .values({ name, value })
    .onConflictDoNothing()
    .returning({ value: settings.value });
  if (inserted.length > 0) return { value, created: true };
  const existing = await readSetting(db, name);
  if (existing === undefined) throw new Error(`setting ${name} vanished while being created`);
  return { value: existing, created: false };
}
