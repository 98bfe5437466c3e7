import { idFloor } from '@hookrail/ids';
import { sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '../client.ts';

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

/** A statement waits this long for a lock at most, then fails and is tried next time. */
const lockTimeout = sql.raw(`set local lock_timeout = '5s'`);
const legacyBound = 'attempts_legacy_bound';

function monthStart(time: Date, plus = 0): Date {
  return new Date(Date.UTC(time.getUTCFullYear(), time.getUTCMonth() + plus, 1));
}

function monthName(start: Date): string {
  const month = String(start.getUTCMonth() + 1).padStart(2, '0');
  return `attempts_y${start.getUTCFullYear()}m${month}`;
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/** Whether `attempts` is a partitioned table yet. */
export async function attemptsPartitioned(db: DbOrTx): Promise<boolean> {
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
 * their rows to the right partition. A lock not granted within 5 s fails the step, retried
 * at the next run. Returns true once `attempts` is partitioned.
 */
export async function partitionAttempts(db: Db, now: Date): Promise<boolean> {
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
      await tx.execute(lockTimeout);
      await tx.execute(sql.raw(`alter table attempts drop constraint ${legacyBound}`));
    });
    row = undefined;
    bound = undefined;
  }
  if (row === undefined || bound === undefined) {
    const fresh = idFloor('attempt', monthStart(now, 2));
    await db.transaction(async (tx) => {
      await tx.execute(lockTimeout);
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
    await tx.execute(lockTimeout);
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
 * yet (each created apart and attached, which locks the parent only against other schema
 * changes), and drops the partitions whose every id is older than `dropBefore`. Returns the
 * names created and dropped.
 */
export async function maintainAttemptPartitions(
  db: Db,
  options: { now: Date; monthsAhead: number; dropBefore: Date },
): Promise<{ created: string[]; dropped: string[] }> {
  const created: string[] = [];
  const dropped: string[] = [];
  if (!(await partitionAttempts(db, options.now))) return { created, dropped };
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
      await tx.execute(lockTimeout);
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
      await tx.execute(lockTimeout);
      await tx.execute(sql.raw(`drop table "${partition.name}"`));
    });
    dropped.push(partition.name);
  }
  return { created, dropped };
}
