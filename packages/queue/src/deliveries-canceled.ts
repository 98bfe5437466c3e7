import type { NewStatusEvent } from './status-stream.ts';

/** A delivery canceled in bulk, as the status stream names it. */
export interface CanceledFacts {
  id: string;
  tenantId: string;
  appId: string;
  messageId: string;
  endpointId: string;
  eventType: string;
}

/**
 * Why deliveries were canceled in bulk: their endpoint was deleted, their message expunged
 * (through the API, or its content purged by retention), or their application deleted (found
 * by a claim, or by the purge that follows the deletion).
 */
export type CancelReason = 'endpoint_deleted' | 'message_expunged' | 'application_deleted';

/**
 * One `delivery.canceled` per delivery a bulk cancellation canceled, with the same ids as the
 * delivery's other events, so that a watcher of a message or an endpoint sees it end. The
 * caller appends them in one pipelined call (`queueAfterCommit` or `StatusPublisher.publish`).
 */
export function deliveriesCanceled(
  canceled: readonly CanceledFacts[],
  reason: CancelReason,
  now: number,
): NewStatusEvent[] {
  return canceled.map((delivery) => ({
    tenantId: delivery.tenantId,
    type: 'delivery.canceled',
    at: now,
    data: {
      msgId: delivery.messageId,
      appId: delivery.appId,
      endpointId: delivery.endpointId,
      deliveryId: delivery.id,
      eventType: delivery.eventType,
      status: 'canceled',
      reason,
    },
  }));
}
