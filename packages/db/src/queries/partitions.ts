import { idFloor } from '@hookrail/ids';
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';
import { isConflictError } from '../errors.ts';

/** The database over a pool (`Db`) or over the migrator's one connection. */
type Schemaless = Pick<Db, 'execute' | 'transaction'>;

/**
 * The attempts table is range-partitioned by month on its id. Ids start with their creation
 * time (see @hookrail/ids), so a range of ids is a range of time, and partitioning on the id
 * keeps the primary key the id alone: a unique key on a partitioned table must contain the
 * partition key, and `created_at` would have made `(id, created_at)` the key, every lookup by
 * id then scanning each partition. Old months are dropped whole (`DROP TABLE`), never deleted
 * row by row. See docs/scaling.md.
 *
 * drizzle's migrator applies all pending migrations in ONE transaction, so a migration cannot
 * turn an existing large table into a partition without holding an exclusive lock during the
 * scan that proves its rows fit. The conversion is therefore done here, by the worker's
 * maintenance, in steps that each hold a heavy lock only briefly (see `partitionAttempts`).
 */

export interface Partition {
  name: string;
  /** Lower bound (an attempt id), null for MINVALUE. */
  from: string | null;
  /** Upper bound (an attempt id, exclusive). */
  to: string;
}

/**
 * How long a schema change of maintenance waits for a lock, then fails and is tried at the
 * next run (a minute later; months are made ahead, so a month's table may fail for weeks
 * before it is missed). While it waits, the writes it would conflict with queue behind it,
 * ingest's among them: so it is short, and shorter than Postgres's `deadlock_timeout` (1 s by
 * default), so that a maintenance transaction caught in a wait gives up before a deadlock
 * check of its own could run.
 */
export const partitionLockTimeoutMs = 200;
const legacyBound = 'attempts_legacy_bound';

/**
 * Of the tables the foreign keys of `attempts` reference, the ones the hot path writes (ingest
 * and the worker's results write `deliveries`; `tenants` only reads, ROW SHARE at most). A
 * schema change takes its lock on these last: see `lockInOrder`.
 */
const hotTables = new Set(['deliveries']);

async function setLockTimeout(tx: DbOrTx, timeoutMs: number): Promise<void> {
  await tx.execute(sql.raw(`set local lock_timeout = ${Math.max(1, Math.round(timeoutMs))}`));
}

/**
 * Takes, one statement each and in this order, every table lock a schema change of `parent`
 * is about to need, before its first DDL statement: `parent` in `mode`, then SHARE ROW
 * EXCLUSIVE on each table its foreign keys reference, those the hot path writes last.
 *
 * Left to itself, `ATTACH PARTITION` (or the conversion's `ADD FOREIGN KEY`) takes SHARE ROW
 * EXCLUSIVE on each referenced table in the order of the constraints' names, `deliveries`
 * before `tenants`, and may then wait for `tenants` (a tenant being written) while holding
 * `deliveries` against every writer. Each ingest statement then queues behind it, holding its
 * lock on `messages` (taken before `deliveries`), and a third transaction that waits for
 * either closes a cycle, which Postgres breaks by rolling back one member: possibly the
 * ingest. In this order a wait happens only here, and until the change holds `deliveries` it
 * holds nothing ingest asks for (ingest does not touch `attempts` and takes ROW SHARE at most
 * on `tenants`); once it holds `deliveries` it holds everything and waits for nothing more. So
 * ingest never waits behind a change that is itself waiting, and no cycle passes through both.
 */
async function lockInOrder(
  tx: DbOrTx,
  parent: { table: string; mode: string },
  timeoutMs: number,
): Promise<void> {
  await setLockTimeout(tx, timeoutMs);
  const { rows } = await tx.execute<{ name: string }>(sql`
    select distinct confrelid::regclass::text as name from pg_constraint
     where conrelid = ${parent.table}::regclass and contype = 'f'`);
  const referenced = rows
    .map((row) => row.name)
    .sort((a, b) => Number(hotTables.has(a)) - Number(hotTables.has(b)) || (a < b ? -1 : 1));
  await tx.execute(sql.raw(`lock table ${parent.table} in ${parent.mode} mode`));
  for (const table of referenced) {
    await tx.execute(sql.raw(`lock table ${table} in share row exclusive mode`));
  }
}

function monthStart(time: Date, plus = 0): Date {
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth() + plus, 1));
}

function monthName(start: Date): string {
  const month = String(start.getUTCMonth() + 1).padStart(2, '0');
  return `attempts_y${start.getUTCFullYear()}m${month}`;
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Whether `attempts` is a partitioned table yet. */
export async function attemptsPartitioned(db: Pick<DbOrTx, 'execute'>): Promise<boolean> {
  const result = await db.execute<{ kind: string }>(
    sql`select relkind::text as kind from pg_class where oid = 'attempts'::regclass`,
  );
  return result.rows[0]?.kind === 'p';
}

/** The partitions of `attempts`, oldest first. */
export async function attemptPartitions(db: DbOrTx): Promise<Partition[]> {
  const result = await db.execute<{ name: string; bound: string }>(sql`
    select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'attempts'::regclass`);
  const partitions = result.rows.map(({ name, bound }) => {
    const match = /FROM \((MINVALUE|'([^']*)')\) TO \('([^']*)'\)/.exec(bound);
    if (match?.[3] === undefined) throw new Error(`unexpected bound of ${name}: ${bound}`);
    return { name, from: match[2] ?? null, to: match[3] };
  });
  return partitions.sort((a, b) => (a.to < b.to ? -1 : 1));
}

/**
 * Turns a plain `attempts` table into a partitioned one whose first partition is the table
 * itself (renamed `attempts_legacy`, holding every id below a bound a month or two ahead), in
 * three steps that each resume where a crash left them:
 * 1. a CHECK (id < bound) constraint, NOT VALID: an exclusive lock for an instant, no scan;
 * 2. VALIDATE: the long scan, under a lock that lets reads and writes go on;
 * 3. one short transaction: rename, create the partitioned parent with the same columns,
 *    indexes and foreign keys, attach the old table (the validated constraint proves its rows
 *    fit, so nothing is scanned, and its indexes and keys are adopted, not rebuilt).
 * Processes of the previous version keep writing `attempts` throughout: the name now routes
 * their rows to the right partition. A lock not granted within `lockTimeoutMs` fails the
 * step, retried at the next run; step 3 takes its locks first (`lockInOrder`: `attempts`,
 * whose readers and writers it holds off for that moment, then `tenants`, then `deliveries`).
 * Returns true once `attempts` is partitioned.
 */
export async function partitionAttempts(
  db: Schemaless,
  now: Date,
  lockTimeoutMs = partitionLockTimeoutMs,
): Promise<boolean> {
  if (await attemptsPartitioned(db)) return true;
  const existing = await db.execute<{ def: string; valid: boolean }>(sql`
    select pg_get_constraintdef(oid) as def, convalidated as valid from pg_constraint
     where conrelid = 'attempts'::regclass and conname = ${legacyBound}`);
  let row = existing.rows[0];
  let bound = row && /'([^']+)'/.exec(row.def)?.[1];
  // The bound must stay ahead of the ids being written: one that came too close (the steps
  // kept failing for weeks) is replaced by a later one.
  if (bound !== undefined && bound < idFloor('attempt', new Date(now.getTime() + 7 * 86_400_000))) {
    await db.transaction(async (tx) => {
      await setLockTimeout(tx, lockTimeoutMs);
      await tx.execute(sql.raw(`alter table attempts drop constraint ${legacyBound}`));
    });
    row = undefined;
    bound = undefined;
  }
  if (row === undefined || bound === undefined) {
    const fresh = idFloor('attempt', monthStart(now, 2));
    await db.transaction(async (tx) => {
      await setLockTimeout(tx, lockTimeoutMs);
      await tx.execute(
        sql.raw(
          `alter table attempts add constraint ${legacyBound} check (id < ${literal(fresh)}) not valid`,
        ),
      );
    });
    bound = fresh;
  }
  const upper = bound;
  if (row?.valid !== true) {
    await db.execute(sql.raw(`alter table attempts validate constraint ${legacyBound}`));
  }
  await db.transaction(async (tx) => {
    // The rename needs ACCESS EXCLUSIVE on the table; the new parent's foreign keys, SHARE ROW
    // EXCLUSIVE on the tables they reference: all taken first, `deliveries` last. `attempts`
    // comes first because the worker's results statement locks it before `deliveries`.
    await lockInOrder(tx, { table: 'attempts', mode: 'access exclusive' }, lockTimeoutMs);
    const indexes = await tx.execute<{ name: string; def: string; primary: boolean }>(sql`
      select c.relname as name, pg_get_indexdef(i.indexrelid) as def, i.indisprimary as primary
        from pg_index i join pg_class c on c.oid = i.indexrelid
       where i.indrelid = 'attempts'::regclass`);
    const keys = await tx.execute<{ name: string; def: string }>(sql`
      select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
       where conrelid = 'attempts'::regclass and contype = 'f'`);
    await tx.execute(sql.raw(`alter table attempts rename to attempts_legacy`));
    for (const index of indexes.rows) {
      await tx.execute(
        sql.raw(
          `alter index "${index.name}" rename to "${index.name.replace(/^attempts_/, 'attempts_legacy_')}"`,
        ),
      );
    }
    await tx.execute(
      sql.raw(
        `create table attempts (like attempts_legacy including defaults) partition by range (id)`,
      ),
    );
    for (const index of indexes.rows) {
      if (index.primary) {
        await tx.execute(
          sql.raw(`alter table attempts add constraint "${index.name}" primary key (id)`),
        );
      } else {
        // Same definition on the parent, so that attaching adopts the old table's index.
        const def = index.def.replace(/ ON (\S+\.)?attempts /, ' ON attempts ');
        await tx.execute(sql.raw(def));
      }
    }
    for (const key of keys.rows) {
      await tx.execute(sql.raw(`alter table attempts add constraint "${key.name}" ${key.def}`));
    }
    await tx.execute(
      sql.raw(
        `alter table attempts attach partition attempts_legacy for values from (minvalue) to (${literal(upper)})`,
      ),
    );
  });
  return true;
}

/**
 * Creates the monthly partitions from this month to `monthsAhead` months on that do not exist
 * yet, and drops the partitions whose every id is older than `dropBefore`. Returns the names
 * created and dropped. Run by one worker at a time (the `attempt-partitions` housekeeping
 * lock); nothing else creates partitions: no write ever waits for a month's table to be made.
 *
 * A month is created apart (`CREATE TABLE ... (LIKE attempts)`, which touches nothing else)
 * and then attached, in one transaction that first takes every lock the attach needs in a
 * fixed order (`lockInOrder`): SHARE UPDATE EXCLUSIVE on `attempts` (other schema changes
 * only), SHARE ROW EXCLUSIVE on the tables its foreign keys reference, `deliveries` last.
 * That last lock holds off writes to `deliveries` (ingest, the worker's results) for the few
 * milliseconds of the attach on an empty table. Each lock is waited for at most
 * `lockTimeoutMs`; a month not made is tried at the next run.
 */
/**
 * Partitions `attempts` while it is still empty: run by the migrator (under its lock, before
 * the process serves), so that a new installation is partitioned from its first attempt and
 * the worker's housekeeping never converts it under load. A table with rows, or one whose
 * locks are not granted at once (a process of the previous version writing it), is left to
 * housekeeping. Returns whether `attempts` is partitioned.
 */
export async function partitionEmptyAttempts(db: Schemaless, now: Date): Promise<boolean> {
  if (await attemptsPartitioned(db)) return true;
  const rows = await db.execute<{ empty: boolean }>(
    sql`select not exists (select 1 from attempts) as empty`,
  );
  if (rows.rows[0]?.empty !== true) return false;
  try {
    return await partitionAttempts(db, now);
  } catch (error) {
    if (isConflictError(error)) return false;
    throw error;
  }
}

export async function maintainAttemptPartitions(
  db: Db,
  options: {
    now: Date;
    monthsAhead: number;
    dropBefore: Date;
    /** @defaultValue partitionLockTimeoutMs */
    lockTimeoutMs?: number;
  },
): Promise<{ created: string[]; dropped: string[] }> {
  const created: string[] = [];
  const dropped: string[] = [];
  const timeoutMs = options.lockTimeoutMs ?? partitionLockTimeoutMs;
  if (!(await partitionAttempts(db, options.now, timeoutMs))) return { created, dropped };
  const partitions = await attemptPartitions(db);
  const covered = (id: string) =>
    partitions.some((p) => (p.from === null || p.from <= id) && id < p.to);
  for (let plus = 0; plus <= options.monthsAhead; plus++) {
    const start = monthStart(options.now, plus);
    const from = idFloor('attempt', start);
    const to = idFloor('attempt', monthStart(options.now, plus + 1));
    if (covered(from)) continue;
    const name = monthName(start);
    await db.transaction(async (tx) => {
      await lockInOrder(tx, { table: 'attempts', mode: 'share update exclusive' }, timeoutMs);
      await tx.execute(sql.raw(`create table "${name}" (like attempts including defaults)`));
      await tx.execute(
        sql.raw(
          `alter table attempts attach partition "${name}" for values from (${literal(from)}) to (${literal(to)})`,
        ),
      );
    });
    created.push(name);
  }
  const cutoff = idFloor('attempt', options.dropBefore);
  for (const partition of partitions) {
    if (partition.to > cutoff) continue;
    await db.transaction(async (tx) => {
      // Dropping a partition takes ACCESS EXCLUSIVE on `attempts` (no query may still plan
      // with it), and no lock on the tables its keys reference.
      await setLockTimeout(tx, timeoutMs);
      await tx.execute(sql.raw(`drop table "${partition.name}"`));
    });
    dropped.push(partition.name);
  }
  return { created, dropped };
}
