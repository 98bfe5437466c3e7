import type { MessageRow, NewDelivery } from '@hookrail/db';
import type { NewStatusEvent } from '@hookrail/queue';

/**
 * The status event of a stored message: it goes to Redis with the message's first jobs, before
 * them (see `queueAfterCommit`), so no watcher sees an attempt before its message's acceptance.
 */
export function messageAccepted(created: {
  message: MessageRow;
  deliveries: readonly NewDelivery[];
}): NewStatusEvent {
  const { message, deliveries } = created;
  return {
    tenantId: message.tenantId,
    type: 'message.accepted',
    data: {
      msgId: message.id,
      appId: message.appId,
      eventType: message.eventType,
      eventId: message.eventId,
      status: 'pending',
      endpointIds: deliveries.map((d) => d.endpointId),
      deliverAt: message.deliverAt?.toISOString() ?? null,
    },
  };
}
