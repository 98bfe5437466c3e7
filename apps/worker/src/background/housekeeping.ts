import { deleteExpiredIdempotencyKeys, deleteExpiredSecrets, type Db } from '@hookrail/db';
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

/**
 * Periodic cleanup: idempotency records past their 24 hours, secrets past their grace, and
 * retention (payloads, response excerpts, then the log itself). Run by the reconciler, in one
 * worker at a time.
 */
export function createHousekeeping(deps: HousekeepingDeps): () => Promise<void> {
  const now = deps.now ?? Date.now;
  return async () => {
    const keys = await deleteExpiredIdempotencyKeys(deps.db);
    const secrets = await deleteExpiredSecrets(deps.db);
    if (keys + secrets > 0) deps.logger.info({ keys, secrets }, 'expired records deleted');
    const purged = await runRetention({ db: deps.db, retention: deps.retention, now });
    if (purged.payloads + purged.responses + purged.messages > 0)
      deps.logger.info(purged, 'retention: old content purged');
  };
}
