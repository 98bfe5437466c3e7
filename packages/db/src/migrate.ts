import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { isUnavailableError, pgErrorCode } from './errors.ts';

export const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/**
 * A connection the server drops between two statements reports an 'error' event, which
 * would crash the process without a listener; the next statement fails with it anyway.
 */
function quiet(client: pg.Client): pg.Client {
  client.on('error', () => undefined);
  return client;
}

// Arbitrary but fixed: every Hookrail process takes this advisory lock before migrating.
const migrationLock = [0x686b726c, 1] as const;

/**
 * Creates the database named in `url` when it does not exist. Safe when several processes
 * start at once: losing the race to create it is success.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const probe = quiet(new pg.Client({ connectionString: url }));
  try {
    await probe.connect();
    return;
  } catch (error) {
    if (pgErrorCode(error) !== '3D000') throw error; // anything but "database does not exist"
  } finally {
    await probe.end().catch(() => undefined);
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = quiet(new pg.Client({ connectionString: maintenance.toString() }));
  await admin.connect();
  try {
    await admin.query(`create database "${name.replaceAll('"', '""')}"`);
  } catch (error) {
    // 42P04 duplicate_database; 23505 when two creates race on pg_database's unique index.
    const code = pgErrorCode(error);
    if (code !== '42P04' && code !== '23505') throw error;
  } finally {
    await admin.end();
  }
}

/**
 * Brings the schema up to date with the SQL files in drizzle/. The advisory lock makes
 * concurrent starts safe: one process migrates, the others wait and then find nothing to do.
 * Each migration runs in a transaction, so a crash leaves the schema at the previous one.
 */
export async function migrateDatabase(url: string): Promise<void> {
  await ensureDatabase(url);
  const client = quiet(
    new pg.Client({ connectionString: url, application_name: 'hookrail-migrate' }),
  );
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1, $2)', [...migrationLock]);
    try {
      await migrate(drizzle(client), { migrationsFolder });
    } finally {
      await client.query('select pg_advisory_unlock($1, $2)', [...migrationLock]);
    }
  } finally {
    await client.end();
  }
}

export interface MigrateWhenReachableOptions {
  /** How long to keep trying while Postgres cannot be reached. @defaultValue 120000 */
  timeoutMs?: number;
  /** Told about each failed try that will be repeated, and how soon. */
  onUnavailable?: (error: unknown, retryInMs: number) => void;
}

/**
 * `migrateDatabase` for a process starting up: while Postgres is unreachable (still starting,
 * restarting, refusing connections) it tries again, backing off to every 5 s, until the
 * deadline. Any other error, and the last one at the deadline, is thrown.
 */
export async function migrateWhenReachable(
  url: string,
  options: MigrateWhenReachableOptions = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 5000)) {
    try {
      await migrateDatabase(url);
      return;
    } catch (error) {
      if (!isUnavailableError(error) || Date.now() + waitMs > deadline) throw error;
      options.onUnavailable?.(error, waitMs);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
  }
}
