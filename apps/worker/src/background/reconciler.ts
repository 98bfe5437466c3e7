import {
  dueDeliveries,
  quietTasks,
  releaseExpiredLeases,
  withReconcileLock,
  type Db,
  type DueAttempt,
  type DueCursor,
} from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import type { DeliveryQueue, TaskQueue } from '@hookrail/queue';
import type { Metrics } from '@hookrail/telemetry';

export interface ReconcilerDeps {
  db: Db;
  queue: DeliveryQueue;
  tasks: TaskQueue;
  logger: Logger;
  /** Time between passes. */
  intervalMs: number;
  /** How long a delivery is due before it counts as missing from the queue. */
  graceMs: number;
  /** Periodic cleanup, run after a pass at most every `housekeepingEveryMs`. */
  housekeeping: () => Promise<unknown>;
  housekeepingEveryMs: number;
  /** Counts what was queued again. @defaultValue none */
  metrics?: Metrics;
}

export interface Reconciler {
  /** One pass, now (tests call it; the timer calls it every interval). */
  pass(): Promise<PassReport | undefined>;
  stop(): Promise<void>;
}

export interface PassReport {
  /** Deliveries whose expired claim was released. */
  released: number;
  /** Due deliveries found missing from the queue and queued again. */
  requeued: number;
  /** Quiet retry tasks started again. */
  tasks: number;
}

const batch = 1000;
/** A pass stops scanning after this long, and goes on from there next time. */
const passBudgetMs = 2000;

/**
 * Makes Postgres, the source of truth, and the queue agree again. Each pass, in one worker
 * at a time (a Postgres advisory lock): deliveries whose claim expired while `sending` go
 * back to pending; due pending deliveries whose job Redis does not hold are queued again
 * (after a Redis restart, flush or failover, or a queueing that failed at ingest); retry tasks
 * that stopped moving are started again. Job ids are derived from (delivery, attempt), so
 * queueing something that is in fact queued changes nothing.
 */
export function startReconciler(deps: ReconcilerDeps): Reconciler {
  let cursor: DueCursor | null = null;
  let lastHousekeeping = 0;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  async function pass(): Promise<PassReport | undefined> {
    const started = Date.now();
    const found = await withReconcileLock(deps.db, async (tx) => {
      const released = await releaseExpiredLeases(tx, batch);
      const stale = await quietTasks(tx, Math.max(30_000, deps.intervalMs * 6));
      return { released, stale };
    });
    if (found === undefined) return undefined; // another worker is reconciling
    const report: PassReport = { released: found.released.length, requeued: 0, tasks: 0 };
    await deps.queue.enqueue(found.released);
    deps.metrics?.requeued('lease_expired', found.released.length);
    for (const task of found.stale) {
      await deps.tasks.start(task);
      report.tasks += 1;
    }
    // Scan due deliveries batch by batch while batches turn up missing jobs: steady state
    // costs one batch a pass; after Redis lost its data, recovery goes as fast as it can.
    for (;;) {
      const due: (DueAttempt & { dueAt: Date })[] = await dueDeliveries(
        deps.db,
        cursor,
        deps.graceMs,
        batch,
      );
      const last = due.at(-1);
      cursor =
        due.length < batch || last === undefined ? null : { at: last.dueAt, id: last.deliveryId };
      const missing = await deps.queue.missing(due);
      await deps.queue.enqueue(
        missing.map(({ deliveryId, endpointId, attempt }) => ({ deliveryId, endpointId, attempt })),
      );
      report.requeued += missing.length;
      deps.metrics?.requeued('missing_from_queue', missing.length);
      if (cursor === null || missing.length === 0 || Date.now() - started > passBudgetMs) break;
    }
    if (Date.now() - lastHousekeeping > deps.housekeepingEveryMs) {
      lastHousekeeping = Date.now();
      await deps.housekeeping();
    }
    if (report.released + report.requeued + report.tasks > 0)
      deps.logger.info(report, 'reconciled');
    return report;
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = pass()
        .catch((error: unknown) =>
          deps.logger.warn({ err: error }, 'reconcile pass failed; retrying next interval'),
        )
        .finally(schedule);
    }, deps.intervalMs);
  };
  schedule();

  return {
    pass,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
