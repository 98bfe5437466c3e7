import { finishTask, requeueBatch, type Db } from '@hookrail/db';
import { isId, type Id } from '@hookrail/ids';
import type { Logger } from '@hookrail/logger';
import {
  taskProgress,
  type DeliveryQueue,
  type RunTaskJob,
  type StatusPublisher,
} from '@hookrail/queue';

export interface TaskRunnerDeps {
  db: Db;
  queue: DeliveryQueue;
  /** Where the task's last `task.progress` goes (its batches go with their jobs). */
  status: StatusPublisher;
  logger: Logger;
  /** Deliveries re-queued per second, at most. */
  ratePerSecond: number;
  /** Waits; injected so tests and shutdown need not wait on the clock. */
  sleep: (ms: number) => Promise<void>;
}

const batchSize = 100;

/**
 * Works through a retry task: batch by batch, flips failed deliveries back to pending (one
 * transaction per batch, which also counts them on the task) and queues them, pacing itself
 * to `ratePerSecond`. A canceled task stops before its next batch. Every query names the job's
 * tenant as well as its task. Re-running a task (after a crash) is safe: deliveries already
 * re-queued are pending, and no longer match.
 *
 * Each batch's `task.progress` goes to the status stream in the round trip that queues its
 * jobs, and the task's end (finished, or canceled) after it, so a watcher sees the counts grow
 * in order and the end last.
 */
export function createTaskRunner(deps: TaskRunnerDeps): (job: RunTaskJob) => Promise<void> {
  return async ({ taskId, tenantId }) => {
    if (!isId('task', taskId) || !isId('tenant', tenantId)) return;
    let cursor: Id<'delivery'> | null = null;
    const size = Math.max(1, Math.min(batchSize, deps.ratePerSecond));
    for (;;) {
      const started = Date.now();
      const batch = await requeueBatch(deps.db, tenantId, taskId, cursor, size);
      if (batch.stopped) {
        if (batch.task !== undefined) deps.status.publish([taskProgress(batch.task)]);
        deps.logger.info({ taskId }, 'task stopped');
        return;
      }
      if (batch.deliveries.length === 0) break;
      await deps.queue.enqueue(
        batch.deliveries.map((d) => ({
          deliveryId: d.id,
          endpointId: d.endpointId,
          attempt: d.attempt,
          tenantId: batch.task.tenantId,
        })),
        [taskProgress(batch.task)],
      );
      cursor = batch.deliveries.at(-1)?.id ?? cursor;
      const budgetMs = (batch.deliveries.length / deps.ratePerSecond) * 1000;
      const spentMs = Date.now() - started;
      if (budgetMs > spentMs) await deps.sleep(budgetMs - spentMs);
    }
    const finished = await finishTask(deps.db, tenantId, taskId);
    if (finished !== undefined) deps.status.publish([taskProgress(finished)]);
    deps.logger.info({ taskId }, 'task finished');
  };
}
