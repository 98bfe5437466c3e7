import {
  deleteExpiredIdempotencyKeys,
  deleteExpiredSecrets,
  maintainAttemptPartitions,
  type Db,
} from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import type { RetentionConfig } from '../config.ts';
import { runRetention } from './retention.ts';

export interface HousekeepingDeps {
  db: Db;
  logger: Logger;
  retention: RetentionConfig;
  /** @defaultValue Date.now */
  now?: () => number;
}

/** Monthly attempt partitions made this far ahead, so that writes never find none. */
const monthsAhead = 2;

/**
 * Periodic cleanup: idempotency records past their 24 hours, secrets past their grace, the
 * attempts table's monthly partitions (made ahead, dropped whole past the log retention), and
 * retention (the log, payloads, response excerpts). Run by the reconciler, in one worker at a
 * time. A step that fails (a lock not granted in time) is logged; the others still run, and
 * it is tried again next time.
 */
export function createHousekeeping(deps: HousekeepingDeps): () => Promise<void> {
  const now = deps.now ?? Date.now;
  return async () => {
    const keys = await deleteExpiredIdempotencyKeys(deps.db);
    const secrets = await deleteExpiredSecrets(deps.db);
    if (keys + secrets > 0) deps.logger.info({ keys, secrets }, 'expired records deleted');
    const at = new Date(now());
    try {
      const partitions = await maintainAttemptPartitions(deps.db, {
        now: at,
        monthsAhead,
        dropBefore: new Date(at.getTime() - deps.retention.logDays * 86_400_000),
      });
      if (partitions.created.length + partitions.dropped.length > 0)
        deps.logger.info(partitions, 'attempt partitions created or dropped');
    } catch (error) {
      deps.logger.warn({ err: error }, 'attempt partitions not maintained; trying again later');
    }
    const purged = await runRetention({ db: deps.db, retention: deps.retention, now });
    if (purged.payloads + purged.responses + purged.messages > 0)
      deps.logger.info(purged, 'retention: old content purged');
  };
}
