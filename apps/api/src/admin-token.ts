import { hashToken, initSetting, newToken, type Db } from '@hookrail/db';

const settingName = 'admin_token_sha256';

/**
 * The hash the operator API checks tokens against. A configured token wins. Otherwise the
 * first process ever to start generates one, stores only its hash, and hands the token to
 * `announce` (printed once on the console); later starts, and processes that lose the race,
 * find the stored hash and announce nothing.
 */
export async function resolveAdminTokenHash(
  db: Db,
  configured: string | undefined,
  announce: (token: string) => void,
): Promise<string> {
  if (configured !== undefined) return hashToken(configured);
  const token = newToken('hra');
  const { value, created } = await initSetting(db, settingName, hashToken(token));
  if (created) announce(token);
  return value;
}

export function printAdminToken(token: string): void {
  process.stdout.write(
    [
      '',
      '  Hookrail generated an admin token for the operator API. It is shown only this once:',
      '',
      `    ${token}`,
      '',
      '  Keep it somewhere safe, or set HOOKRAIL_ADMIN_TOKEN to choose your own.',
      '',
      '',
    ].join('\n'),
  );
}
