import { sql } from 'drizzle-orm';
import type { Db } from '../client.ts';

/** The worker's periodic cleanup jobs; each is done by one worker at a time. */
export const housekeepingJobs = [
  'expired-records',
  'attempt-partitions',
  'retention',
  'deletion',
] as const;
export type HousekeepingJob = (typeof housekeepingJobs)[number];

// Advisory lock keys: the same namespace as the migration (1) and reconcile (2) locks.
const namespace = 0x686b726c;
const keys: Record<HousekeepingJob, number> = {
  'expired-records': 10,
  'attempt-partitions': 11,
  retention: 12,
  deletion: 13,
};

/** The advisory lock key pair of `job`, for a process that must keep the job away meanwhile. */
export function housekeepingLockKey(job: HousekeepingJob): [number, number] {
  return [namespace, keys[job]];
}

/**
 * Runs `job` while holding its advisory lock, or returns undefined at once when another
 * process holds it (it is doing the same work). The lock is held by a transaction that does
 * nothing else, kept open while `job` runs its own short transactions on other connections:
 * it holds no row and no snapshot, and ends with the job, or with the connection if the
 * process dies.
 */
export async function withHousekeepingLock<T>(
  db: Db,
  job: HousekeepingJob,
  run: () => Promise<T>,
): Promise<T | undefined> {
  return db.transaction(async (tx) => {
    const { rows } = await tx.execute<{ locked: boolean }>(
      sql`select pg_try_advisory_xact_lock(${namespace}, ${keys[job]}) as locked`,
    );
    return rows[0]?.locked === true ? run() : undefined;
  });
}
