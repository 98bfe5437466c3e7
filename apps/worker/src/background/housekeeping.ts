import { deleteExpiredIdempotencyKeys, deleteExpiredSecrets, type Db } from '@hookrail/db';
import type { Logger } from '@hookrail/logger';

/** Periodic cleanup: idempotency records past their 24 hours, secrets past their grace. */
export function createHousekeeping(deps: { db: Db; logger: Logger }): () => Promise<void> {
  return async () => {
    const keys = await deleteExpiredIdempotencyKeys(deps.db);
    const secrets = await deleteExpiredSecrets(deps.db);
    if (keys + secrets > 0) deps.logger.info({ keys, secrets }, 'expired records deleted');
  };
}
