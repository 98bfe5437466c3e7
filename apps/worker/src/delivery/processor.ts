import { claimDeliveries, recordResults, type Db } from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import type { DeliverJob, DeliveryQueue } from '@hookrail/queue';
import { attemptDelivery, type AttemptDeps } from './attempt.ts';

export interface ProcessorDeps extends AttemptDeps {
  db: Db;
  queue: DeliveryQueue;
  logger: Logger;
  /** How long a claim holds before another worker may take the delivery over. */
  leaseMs: number;
}

/**
 * Runs one `deliver` job: claim the delivery in Postgres, make the attempt, record it, and
 * queue the next attempt if there is one. The result is committed before the job completes,
 * so a crash in between leaves the delivery `sending` with a lease, never lost.
 */
export function createDeliveryProcessor(deps: ProcessorDeps): (job: DeliverJob) => Promise<void> {
  return async (job) => {
    const [delivery] = await claimDeliveries(deps.db, [job], deps.leaseMs);
    if (delivery === undefined) {
      deps.logger.debug({ job }, 'stale delivery job skipped');
      return;
    }
    const result = await attemptDelivery(deps, delivery);
    await recordResults(deps.db, [result]);
    deps.logger.debug(
      {
        deliveryId: delivery.id,
        attempt: delivery.attempt,
        next: result.next.status,
        status: result.attempt?.statusCode,
      },
      'attempt recorded',
    );
    if (result.next.status !== 'pending') return;
    const delayMs = Math.max(0, result.next.nextAttemptAt.getTime() - deps.now());
    try {
      await deps.queue.enqueue([
        { deliveryId: delivery.id, attempt: delivery.attempt + 1, delayMs },
      ]);
    } catch (error) {
      // The delivery is pending in Postgres with its due time; the reconciler queues it.
      deps.logger.warn({ err: error, deliveryId: delivery.id }, 'could not queue the next attempt');
    }
  };
}
