import type { ClaimedDelivery, DeliveryResult, Recorded } from '@hookrail/db';
import { taskProgress, type NewStatusEvent, type StatusEventData } from '@hookrail/queue';

/**
 * The status stream's view of deliveries. Deliveries of the tenant's operational-webhook
 * application are left out: the stream carries the operational events themselves.
 */

function about(delivery: ClaimedDelivery): StatusEventData {
  return {
    msgId: delivery.messageId,
    appId: delivery.appId,
    endpointId: delivery.endpointId,
    deliveryId: delivery.id,
    eventType: delivery.eventType,
  };
}

/**
 * `attempt.started`, for claimed deliveries about to be attempted, with the id the attempt's
 * record will have (its `attempt.finished` carries the same).
 */
export function attemptsStarted(
  claimed: readonly { delivery: ClaimedDelivery; attemptId: string }[],
  now: number,
): NewStatusEvent[] {
  return claimed
    .filter(({ delivery }) => !delivery.systemApp && !delivery.endpointDeleted)
    .map(({ delivery, attemptId }) => ({
      tenantId: delivery.tenantId,
      type: 'attempt.started',
      at: now,
      data: {
        ...about(delivery),
        attemptId,
        status: 'sending',
        attemptNumber: delivery.attempt,
        trigger: delivery.manual ? 'manual' : 'scheduled',
      },
    }));
}

/**
 * What recording `results` did, in order: for each, `attempt.finished` (when an attempt was
 * recorded) then the delivery's new state (only where this claim still held and wrote it),
 * then the operational events the batch raised, then `task.progress` for the retry tasks whose
 * deliveries ended (their `delivered` and `failedAgain` as this batch left them).
 */
export function resultEvents(
  results: readonly DeliveryResult[],
  recorded: Pick<Recorded, 'applied' | 'raised' | 'tasks'>,
  now: number,
): NewStatusEvent[] {
  const events: NewStatusEvent[] = [];
  for (const { delivery, attempt, decision } of results) {
    const { next } = decision;
    if (delivery.systemApp) continue;
    const applied = recorded.applied.has(delivery.id);
    const base = { tenantId: delivery.tenantId, at: now };
    const nextAttemptAt =
      next.status === 'pending' ? new Date(next.nextAttemptAt).toISOString() : null;
    if (attempt !== undefined) {
      events.push({
        ...base,
        type: 'attempt.finished',
        data: {
          ...about(delivery),
          ...(applied && { status: next.status }),
          attemptId: attempt.id,
          attemptNumber: delivery.attempt,
          sent: attempt.sent,
          responseStatusCode: attempt.statusCode,
          durationMs: attempt.durationMs,
          error: attempt.error,
          nextAttemptAt: applied ? nextAttemptAt : null,
        },
      });
    }
    if (!applied) continue;
    const data = { ...about(delivery), status: next.status };
    if (next.status === 'pending') {
      events.push({ ...base, type: 'delivery.retry_scheduled', data: { ...data, nextAttemptAt } });
    } else {
      events.push({ ...base, type: `delivery.${next.status}`, data });
    }
  }
  for (const { tenantId, event } of recorded.raised) {
    events.push({ tenantId, type: event.type, at: now, data: { ...event.data } });
  }
  for (const task of recorded.tasks) events.push({ ...taskProgress(task), at: now });
  return events;
}
