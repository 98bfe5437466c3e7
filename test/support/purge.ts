import { createDatabase } from '@hookrail/db';
import { runDeletions, type DeletionReport } from '@hookrail/worker';
import type { TestEnv } from './env.ts';

/**
 * Runs the worker housekeeping's purge of deleted tenants and applications to the end, as the
 * worker does a minute or so after a deletion, on the test file's database.
 */
export async function purgeDeleted(env: TestEnv, batch = 500): Promise<DeletionReport> {
  const database = createDatabase({ url: env.databaseUrl, max: 2 });
  try {
    return await runDeletions({ db: database.db, batch, budgetMs: 60_000 });
  } finally {
    await database.close();
  }
}
