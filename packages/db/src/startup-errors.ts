import { StartupError } from '@hookrail/config';
import { pgErrorCode } from './errors.ts';

/** Where DATABASE_URL points, for messages: user, host:port and database, never the password. */
export function describeTarget(url: string): { user: string; server: string; database: string } {
  const parsed = new URL(url);
  return {
    user: decodeURIComponent(parsed.username) || 'postgres',
    server: `${parsed.hostname || 'localhost'}:${parsed.port || '5432'}`,
    database: decodeURIComponent(parsed.pathname.slice(1)) || 'postgres',
  };
}

function serverMessage(error: unknown): string {
  for (let e = error, depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const { message, cause } = e as { message?: unknown; cause?: unknown };
    if (typeof message === 'string' && message !== '') return message.split('\n')[0] ?? '';
    e = cause;
  }
  return String(error);
}

/**
 * A Postgres error at start-up that a person must fix in the database or in DATABASE_URL, as a
 * one-line StartupError; anything else unchanged. Postgres's own messages name the user and
 * the database at most, never the password.
 */
export function startupError(error: unknown, url: string): unknown {
  const { user, server, database } = describeTarget(url);
  const fail = (message: string) => new StartupError(message, { cause: error });
  switch (pgErrorCode(error)) {
    case '28P01': // invalid_password
      return fail(
        `Postgres at ${server} refused the password of user "${user}": correct the password in DATABASE_URL`,
      );
    case '28000': // invalid_authorization_specification: no such role, or pg_hba.conf refuses
      return fail(
        `Postgres at ${server} refused user "${user}" (${serverMessage(error)}): create the role, allow it in pg_hba.conf, or correct the user in DATABASE_URL`,
      );
    case '42501': // insufficient_privilege
      return fail(
        `user "${user}" may not use database "${database}" as Hookrail needs (${serverMessage(error)}): make the user the database's owner, or grant it CONNECT and CREATE`,
      );
    default:
      return error;
  }
}

/** The database is missing and creating it failed: a StartupError saying how to create it. */
export function cannotCreateDatabase(error: unknown, url: string): StartupError {
  const { user, database } = describeTarget(url);
  const translated = startupError(error, url);
  if (translated instanceof StartupError && pgErrorCode(error) !== '42501') return translated;
  return new StartupError(
    `database "${database}" does not exist and user "${user}" cannot create it (${serverMessage(error)}): create it (createdb -O ${user} ${database}) or grant the user CREATEDB`,
    { cause: error },
  );
}

/** Postgres stayed unreachable for the whole start-up wait. */
export function unreachable(error: unknown, url: string, waitedMs: number): StartupError {
  const { server } = describeTarget(url);
  const reason = pgErrorCode(error) ?? serverMessage(error);
  return new StartupError(
    `Postgres at ${server} could not be reached for ${Math.round(waitedMs / 1000)} s (${reason}): start it, or correct the host and port in DATABASE_URL (HOOKRAIL_STARTUP_WAIT sets the wait)`,
    { cause: error },
  );
}
