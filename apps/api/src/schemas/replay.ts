import type { MessageRow, DeliveryRow } from '@hookrail/db';
import { z } from 'zod';
import { channelName, dateTime, dateTimeIn, eventTypeName, listOf, token } from './common.ts';
import {
  messageOut,
  messageOutSchema,
  messageStatus,
  messageStatusText,
  statusCodes,
  statusTexts,
} from './messages.ts';

/** POST .../replay-missing: the window whose missing messages the endpoint is sent. */
export const replayIn = z
  .strictObject({ since: dateTimeIn, until: dateTimeIn.nullable().optional() })
  .meta({ id: 'ReplayIn' });

/**
 * POST .../bulk-replay: Svix's filters. Hookrail re-sends failed deliveries only, so `status`
 * may only be 2 (fail), and `statusCodeClass` is not offered.
 */
export const bulkReplayIn = z
  .strictObject({
    since: dateTimeIn,
    until: dateTimeIn.nullable().optional(),
    eventTypes: z.array(eventTypeName).max(100).nullable().optional(),
    channel: channelName.nullable().optional(),
    tag: token(128).nullable().optional(),
    status: z
      .literal(2, { error: 'Hookrail replays failed deliveries only: send 2 (fail) or nothing' })
      .nullable()
      .optional(),
    statusCodeClass: z
      .null({ error: 'is not supported: Hookrail replays every failed delivery in the window' })
      .optional(),
  })
  .refine((input) => input.channel == null && input.tag == null, {
    error: 'channel and tag filters are not supported by bulk replay; filter by eventTypes',
    path: ['channel'],
  })
  .meta({ id: 'BulkReplayIn' });

/** A message sent to one endpoint, with that delivery's status (Svix's EndpointMessageOut). */
export const endpointMessageOutSchema = messageOutSchema
  .extend({
    status: messageStatus,
    statusText: messageStatusText,
    nextAttempt: dateTime.nullable(),
  })
  .meta({ id: 'EndpointMessageOut' });

export const endpointMessageList = listOf(endpointMessageOutSchema, 'EndpointMessageOut');

export function endpointMessageOut(
  { message, delivery }: { message: MessageRow; delivery: DeliveryRow },
  withContent: boolean,
): z.input<typeof endpointMessageOutSchema> {
  const status = statusCodes[delivery.status];
  return {
    ...messageOut(message, withContent),
    status,
    statusText: statusTexts[status],
    nextAttempt: delivery.nextAttemptAt?.toISOString() ?? null,
  };
}
