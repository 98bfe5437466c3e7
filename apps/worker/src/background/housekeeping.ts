import {
  deleteExpiredIdempotencyKeys,
  deleteExpiredSecrets,
  maintainAttemptPartitions,
  withHousekeepingLock,
  type Db,
  type HousekeepingJob,
} from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import type { StatusPublisher } from '@hookrail/queue';
import type { RetentionConfig } from '../config.ts';
import { runDeletions, type DeletionReport } from './deletion.ts';
import { runRetention, type RetentionReport } from './retention.ts';

export interface HousekeepingDeps {
  db: Db;
  logger: Logger;
  retention: RetentionConfig;
  /** Rows per batch of the purge of deleted tenants and applications. */
  deletionBatch: number;
  /** @defaultValue Date.now */
  now?: () => number;
  /** The purges' `delivery.canceled` events go here. @defaultValue none: no events */
  status?: Pick<StatusPublisher, 'publish'>;
}

/**
 * Monthly attempt partitions made this far ahead, so that writes never find none. A month's
 * table is first tried about three months before its first attempt, and at every run after
 * (an attach gives up after a short wait for a busy lock rather than hold up ingest): one that
 * keeps failing has months to succeed before any write needs it.
 */
const monthsAhead = 3;

/**
 * What each job of one housekeeping run did: its report, `busy` when another worker held the
 * job's lock (it was doing it), `failed` when it threw (logged; tried again next run).
 */
export interface HousekeepingReport {
  'expired-records': { keys: number; secrets: number } | 'busy' | 'failed';
  'attempt-partitions': { created: string[]; dropped: string[] } | 'busy' | 'failed';
  retention: RetentionReport | 'busy' | 'failed';
  deletion: DeletionReport | 'busy' | 'failed';
}

/**
 * Periodic cleanup: idempotency records past their 24 hours, secrets past their grace, the
 * attempts table's monthly partitions (made ahead, dropped whole past the log retention),
 * retention (the log, payloads, response excerpts), and the purge of deleted tenants and
 * applications. Run by the reconciler. Each job holds its own Postgres advisory lock while it
 * runs, so two workers never do the same job at once (the second skips it: `busy`), while
 * different jobs may run in different workers. A job that fails (a lock not granted in time)
 * is logged; the others still run, and it is tried again next time.
 */
export function createHousekeeping(deps: HousekeepingDeps): () => Promise<HousekeepingReport> {
  const now = deps.now ?? Date.now;
  const job = async <T>(name: HousekeepingJob, run: () => Promise<T>) => {
    try {
      return (await withHousekeepingLock(deps.db, name, run)) ?? ('busy' as const);
    } catch (error) {
      deps.logger.warn({ err: error, job: name }, 'housekeeping job failed; trying again later');
      return 'failed' as const;
    }
  };
  return async () => {
    const records = await job('expired-records', async () => {
      const keys = await deleteExpiredIdempotencyKeys(deps.db);
      const secrets = await deleteExpiredSecrets(deps.db);
      if (keys + secrets > 0) deps.logger.info({ keys, secrets }, 'expired records deleted');
      return { keys, secrets };
    });
    const partitions = await job('attempt-partitions', async () => {
      const at = new Date(now());
      const done = await maintainAttemptPartitions(deps.db, {
        now: at,
        monthsAhead,
        dropBefore: new Date(at.getTime() - deps.retention.logDays * 86_400_000),
      });
      if (done.created.length + done.dropped.length > 0)
        deps.logger.info(done, 'attempt partitions created or dropped');
      return done;
    });
    const retention = await job('retention', async () => {
      const purged = await runRetention({
        db: deps.db,
        retention: deps.retention,
        now,
        ...(deps.status && { status: deps.status }),
      });
      if (purged.payloads + purged.responses + purged.messages > 0)
        deps.logger.info(purged, 'retention: old content purged');
      return purged;
    });
    const deletion = await job('deletion', async () => {
      const purged = await runDeletions({
        db: deps.db,
        batch: deps.deletionBatch,
        ...(deps.status && { status: deps.status }),
      });
      if (purged.batches + purged.finished > 0)
        deps.logger.info(purged, 'deleted tenants and applications purged');
      return purged;
    });
    return {
      'expired-records': records,
      'attempt-partitions': partitions,
      retention,
      deletion,
    };
  };
}
