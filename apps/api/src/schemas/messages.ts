import type { AttemptRow, Destination, MessageRow } from '@hookrail/db';
import { z } from 'zod';
import { parseLossless } from '../http/json.ts';
import { channelName, eventTypeName, nameList, token, uid } from './common.ts';

/** A JSON object (not an array, string or number). */
const jsonObject = z.custom<Record<string, unknown>>(
  (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) && !JSON.isRawJSON(value),
  { error: 'must be a JSON object' },
);

/** POST /app/{app_id}/msg. */
export const messageIn = z.strictObject({
  eventType: eventTypeName,
  /** The tenant's own id for the event; a second message with it is refused (409). */
  eventId: uid('message').nullable().optional(),
  payload: jsonObject,
  channels: nameList(channelName, 5).nullable().optional(),
  tags: nameList(token(128), 5).nullable().optional(),
  /** Accepted for compatibility with Svix clients; retention is installation-wide. */
  payloadRetentionPeriod: z.number().int().min(1).max(365).nullable().optional(),
});

export function messageOut(row: MessageRow, withContent = true) {
  return {
    id: row.id,
    eventType: row.eventType,
    eventId: row.eventId,
    payload: withContent ? parseLossless(row.payload) : {},
    channels: row.channels,
    tags: row.tags,
    timestamp: row.createdAt,
  };
}

/** Svix's numeric status: 0 success, 1 pending, 2 fail, 3 sending. */
const statusCodes = { succeeded: 0, pending: 1, failed: 2, sending: 3, canceled: 2 } as const;
const statusTexts = { 0: 'success', 1: 'pending', 2: 'fail', 3: 'sending' } as const;

export function attemptOut(row: AttemptRow, withContent = true) {
  const status = statusCodes[row.outcome];
  return {
    id: row.id,
    msgId: row.messageId,
    endpointId: row.endpointId,
    url: row.url,
    timestamp: row.startedAt,
    responseStatusCode: row.statusCode ?? 0,
    response: withContent ? (row.response ?? '') : '',
    responseDurationMs: row.durationMs,
    status,
    statusText: statusTexts[status],
    triggerType: row.trigger === 'manual' ? 1 : 0,
    /** Hookrail: which attempt of the delivery this was, and why it failed without a response. */
    attemptNumber: row.attemptNumber,
    error: row.error,
  };
}

/**
 * A message's delivery to one endpoint, in Svix's shape (the endpoint, with the delivery's
 * status and next attempt). `deliveryStatus` is Hookrail's finer status; a `canceled`
 * delivery has Svix status 2 (fail).
 */
export function destinationOut({ delivery, endpoint }: Destination) {
  const status = statusCodes[delivery.status];
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    description: endpoint.description,
    channels: endpoint.channels,
    filterTypes: endpoint.filterTypes,
    disabled: endpoint.disabled,
    rateLimit: endpoint.rateLimit,
    throttleRate: endpoint.rateLimit,
    createdAt: endpoint.createdAt,
    updatedAt: endpoint.updatedAt,
    status,
    statusText: statusTexts[status],
    nextAttempt: delivery.nextAttemptAt,
    deliveryId: delivery.id,
    deliveryStatus: delivery.status,
    attemptCount: delivery.attemptCount,
    lastStatusCode: delivery.lastStatusCode,
    endpointDeleted: endpoint.deletedAt !== null,
  };
}
