import { finishTask, requeueBatch, type Db } from '@hookrail/db';
import { isId, type Id } from '@hookrail/ids';
import type { Logger } from '@hookrail/logger';
import type { DeliveryQueue } from '@hookrail/queue';

export interface TaskRunnerDeps {
  db: Db;
  queue: DeliveryQueue;
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
 * to `ratePerSecond`. A canceled task stops before its next batch. Re-running a task (after a
 * crash) is safe: deliveries already re-queued are pending, and no longer match.
 */
export function createTaskRunner(deps: TaskRunnerDeps): (taskId: string) => Promise<void> {
  return async (taskId) => {
    if (!isId('task', taskId)) return;
    let cursor: Id<'delivery'> | null = null;
    const size = Math.max(1, Math.min(batchSize, deps.ratePerSecond));
    for (;;) {
      const started = Date.now();
      const batch = await requeueBatch(deps.db, taskId, cursor, size);
      if (batch.stopped) {
        deps.logger.info({ taskId }, 'task stopped');
        return;
      }
      if (batch.deliveries.length === 0) break;
      await deps.queue.enqueue(
        batch.deliveries.map((d) => ({
          deliveryId: d.id,
          endpointId: d.endpointId,
          attempt: d.attempt,
        })),
      );
      cursor = batch.deliveries.at(-1)?.id ?? cursor;
      const budgetMs = (batch.deliveries.length / deps.ratePerSecond) * 1000;
      const spentMs = Date.now() - started;
      if (budgetMs > spentMs) await deps.sleep(budgetMs - spentMs);
    }
    await finishTask(deps.db, taskId);
    deps.logger.info({ taskId }, 'task finished');
  };
}
