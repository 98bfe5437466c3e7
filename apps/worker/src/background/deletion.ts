import { deletedTargets, purgeDeletedBatch, type Db } from '@hookrail/db';
import { deliveriesCanceled, type StatusPublisher } from '@hookrail/queue';

export interface DeletionReport {
  /** Batches that deleted rows (each one statement). */
  batches: number;
  /** Rows deleted by those batches, not counting what cascaded from them. */
  rows: number;
  /** Applications and tenants purged to the end: their own row is gone. */
  finished: number;
  /** Left for a later run: a delivery of theirs is being sent, or the budget ran out. */
  unfinished: number;
}

export interface DeletionDeps {
  db: Db;
  /**
   * Rows of one table per batch (`HOOKRAIL_DELETION_BATCH`): messages, each deleted with its
   * deliveries and attempts, then endpoints and the other rows.
   */
  batch: number;
  /** A run stops starting batches after this long, and goes on at the next one. @defaultValue 5000 */
  budgetMs?: number;
  /** Deleted applications and tenants looked at per run. @defaultValue 100 */
  targets?: number;
  /**
   * Gets a `delivery.canceled` for each delivery of a deleted application that was still
   * pending when its message was purged. @defaultValue none: no events
   */
  status?: Pick<StatusPublisher, 'publish'>;
}

/**
 * Purges what was deleted through the API (marked, answered at once, hidden from every read):
 * for each deleted application, then each deleted tenant, longest deleted first, batch after
 * batch (`purgeDeletedBatch`: each deletes at most `batch` rows of one table, in its own short
 * statement) until it is gone or the budget is spent; the deliveries of a deleted application
 * still pending (a retry not yet due) go with their messages, each with a `delivery.canceled`.
 * Nothing is remembered between batches:
 * a crash loses at most the batch in flight, and the next run, in any worker, goes on from
 * what is left.
 */
export async function runDeletions(deps: DeletionDeps): Promise<DeletionReport> {
  const deadline = Date.now() + (deps.budgetMs ?? 5000);
  const report: DeletionReport = { batches: 0, rows: 0, finished: 0, unfinished: 0 };
  const targets = await deletedTargets(deps.db, deps.targets ?? 100);
  for (const [i, target] of targets.entries()) {
    for (;;) {
      if (Date.now() > deadline) {
        report.unfinished += targets.length - i;
        return report;
      }
      const step = await purgeDeletedBatch(deps.db, target, deps.batch);
      if (step.state === 'purged') {
        report.batches += 1;
        report.rows += step.rows;
        if (step.canceled !== undefined) {
          deps.status?.publish(
            deliveriesCanceled(step.canceled, 'application_deleted', Date.now()),
          );
        }
        continue;
      }
      if (step.state === 'finished') report.finished += 1;
      else report.unfinished += 1;
      break;
    }
  }
  return report;
}
