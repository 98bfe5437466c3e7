import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { isUnavailableError, pgErrorCode } from './errors.ts';
import { partitionEmptyAttempts } from './queries/partitions.ts';
import * as schema from './schema/index.ts';
import { cannotCreateDatabase, startupError, unreachable } from './startup-errors.ts';

export const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/**
 * A connection the server drops between two statements reports an 'error' event, which
 * would crash the process without a listener; the next statement fails with it anyway.
 */
function quiet(client: pg.Client): pg.Client {
  client.on('error', () => undefined);
  return client;
}

// A host that drops packets would otherwise hold a connection attempt for the OS's TCP timeout.
const connectionTimeoutMillis = 10_000;

// Arbitrary but fixed: every Hookrail process takes this advisory lock before migrating.
const migrationLock = [0x686b726c, 1] as const;

/**
 * Creates the database named in `url` when it does not exist. Safe when several processes
 * start at once: losing the race to create it is success.
 */
export async function ensureDatabase(url: string): Promise<void> {
  const probe = quiet(new pg.Client({ connectionString: url, connectionTimeoutMillis }));
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
  const admin = quiet(
    new pg.Client({ connectionString: maintenance.toString(), connectionTimeoutMillis }),
  );
  try {
    await admin.connect();
    await admin.query(`create database "${name.replaceAll('"', '""')}"`);
  } catch (error) {
    // 42P04 duplicate_database; 23505 when two creates race on pg_database's unique index.
    const code = pgErrorCode(error);
    if (code === '42P04' || code === '23505') return;
    throw isUnavailableError(error) ? error : cannotCreateDatabase(error, url);
  } finally {
    await admin.end().catch(() => undefined);
  }
}

/**
 * Brings the schema up to date with the SQL files in drizzle/, forward only. The advisory lock
 * makes concurrent starts safe: one process migrates, the others wait and then find nothing to
 * do. drizzle's migrator applies the journal's entries newer (by their `when`) than the last
 * one recorded in drizzle.__drizzle_migrations, all pending ones in one transaction, so a crash
 * leaves the schema as it was. It records each file's hash but never compares it: editing an
 * applied file (its opening comment) changes nothing for a database that has it, and a process
 * of the previous version, whose newest migration is older than the database's, applies nothing.
 * Then, still under the lock, an `attempts` table without rows is partitioned
 * (`partitionEmptyAttempts`): a new installation never converts it under load.
 */
export async function migrateDatabase(url: string): Promise<void> {
  await ensureDatabase(url);
  const client = quiet(
    new pg.Client({
      connectionString: url,
      application_name: 'hookrail-migrate',
      connectionTimeoutMillis,
    }),
  );
  await client.connect();
  try {
    await client.query('select pg_advisory_lock($1, $2)', [...migrationLock]);
    try {
      const db = drizzle(client, { schema });
      await migrate(db, { migrationsFolder });
      await partitionEmptyAttempts(db, new Date());
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
  /**
   * Aborting stops at once, even mid-wait or mid-try, rejecting with the signal's reason (a
   * migration cut off this way rolls back when the process exits and its connection closes).
   */
  signal?: AbortSignal;
}

/** `work`, or the signal's reason as soon as it aborts. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * `migrateDatabase` for a process starting up: while Postgres is unreachable (still starting,
 * restarting, refusing connections) it tries again, backing off to every 5 s, until the
 * deadline. What a person must fix (credentials, a role, a database that cannot be created,
 * privileges, and Postgres still unreachable at the deadline) is thrown as a one-line
 * StartupError; any other error as it is.
 */
export async function migrateWhenReachable(
  url: string,
  options: MigrateWhenReachableOptions = {},
): Promise<void> {
  const { signal } = options;
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 120_000);
  for (let waitMs = 250; ; waitMs = Math.min(waitMs * 2, 5000)) {
    signal?.throwIfAborted();
    try {
      await unlessAborted(migrateDatabase(url), signal);
      return;
    } catch (error) {
      if (signal?.aborted === true) throw error;
      if (!isUnavailableError(error)) throw startupError(error, url);
      if (Date.now() + waitMs > deadline) throw unreachable(error, url, Date.now() - started);
      options.onUnavailable?.(error, waitMs);
      await sleep(waitMs, undefined, signal === undefined ? {} : { signal });
    }
  }
}
