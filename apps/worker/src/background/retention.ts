import {
  deleteOldMessages,
  purgeExpiredPayloads,
  purgeOldPayloads,
  purgeOldResponses,
  type BatchReport,
  type Db,
} from '@hookrail/db';
import { deliveriesCanceled, type StatusPublisher } from '@hookrail/queue';
import type { RetentionConfig } from '../config.ts';

const day = 86_400_000;

export interface RetentionReport {
  /** Messages whose payload was purged. */
  payloads: number;
  /** Attempts whose response excerpt was purged. */
  responses: number;
  /** Messages deleted with their deliveries and attempts (past the log retention). */
  messages: number;
}

export interface RetentionDeps {
  db: Db;
  retention: RetentionConfig;
  now: () => number;
  /** Rows per statement. @defaultValue 500 */
  batch?: number;
  /** A run stops starting batches after this long, and goes on at the next one. @defaultValue 5000 */
  budgetMs?: number;
  /**
   * Gets a `delivery.canceled` (`message_expunged`) for each delivery a payload purge canceled.
   * @defaultValue none: no events
   */
  status?: Pick<StatusPublisher, 'publish'>;
}

/**
 * One retention run: messages past `HOOKRAIL_LOG_RETENTION_DAYS` are deleted with their
 * deliveries and attempts, then payloads and response excerpts past `HOOKRAIL_RETENTION_DAYS`
 * (or a message's own retention) are purged, as an expunge does (a failed delivery of theirs is
 * canceled, with its `delivery.canceled`). Batch after batch, each its own short
 * transaction, until nothing is left or the budget is spent; what is left waits for the next
 * run. A crash loses at most the batch in flight, which the next run does again.
 */
export async function runRetention(deps: RetentionDeps): Promise<RetentionReport> {
  const batch = deps.batch ?? 500;
  const deadline = Date.now() + (deps.budgetMs ?? 5000);
  const now = new Date(deps.now());
  const retentionMs = deps.retention.payloadDays * day;
  const report: RetentionReport = { payloads: 0, responses: 0, messages: 0 };
  const drain = async (step: () => Promise<BatchReport>): Promise<number> => {
    let done = 0;
    for (;;) {
      const result = await step();
      done += result.done;
      if (result.canceled !== undefined && result.canceled.length > 0) {
        deps.status?.publish(deliveriesCanceled(result.canceled, 'message_expunged', deps.now()));
      }
      if (!result.more || Date.now() > deadline) return done;
    }
  };
  // The log first: what it deletes needs no purging.
  report.messages += await drain(() =>
    deleteOldMessages(deps.db, { now, logRetentionMs: deps.retention.logDays * day, batch }),
  );
  report.payloads += await drain(() => purgeExpiredPayloads(deps.db, { now, batch }));
  report.payloads += await drain(() => purgeOldPayloads(deps.db, { now, retentionMs, batch }));
  report.responses += await drain(() => purgeOldResponses(deps.db, { now, retentionMs, batch }));
  return report;
}
