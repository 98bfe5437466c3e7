import type { AttemptRow, Destination, MessageRow } from '@hookrail/db';
import { z } from 'zod';
import { parseLossless } from '../http/json.ts';
import { applicationIn } from './applications.ts';
import {
  channelName,
  dateTime,
  dateTimeIn,
  eventTypeName,
  listOf,
  nameList,
  token,
  uid,
} from './common.ts';

/** A JSON object (not an array, string or number). */
const jsonObject = z
  .custom<Record<string, unknown>>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      !JSON.isRawJSON(value),
    { error: 'must be a JSON object' },
  )
  .meta({ type: 'object', additionalProperties: true });

/** POST /app/{app_id}/msg. */
export const messageIn = z
  .strictObject({
    eventType: eventTypeName,
    eventId: uid('message')
      .nullable()
      .optional()
      .meta({ description: 'Your id for the event; a second message with it answers 409.' }),
    payload: jsonObject,
    channels: nameList(channelName, 5).nullable().optional(),
    tags: nameList(token(128), 5).nullable().optional(),
    deliverAt: dateTimeIn.nullable().optional().meta({ description: 'Send no sooner than this.' }),
    application: applicationIn.nullable().optional().meta({
      description: 'Created with the message when the application in the path does not exist.',
    }),
    payloadRetentionPeriod: z.number().int().min(1).max(365).nullable().optional().meta({
      description:
        "Days to keep the payload, instead of the installation's retention (HOOKRAIL_RETENTION_DAYS). The message itself goes with the log (HOOKRAIL_LOG_RETENTION_DAYS).",
    }),
    payloadRetentionHours: z.number().int().min(1).max(87_600).nullable().optional().meta({
      description: 'Hours to keep the payload; when given, payloadRetentionPeriod is ignored.',
    }),
  })
  .meta({ id: 'MessageIn' });

export const messageOutSchema = z
  .object({
    id: z.string().meta({ example: 'msg_01m813tja2qcmerffxqjegkrth' }),
    eventType: z.string(),
    eventId: z.string().nullable(),
    payload: z.record(z.string(), z.unknown()),
    channels: z.array(z.string()).nullable(),
    tags: z.array(z.string()).nullable(),
    deliverAt: dateTime.nullable(),
    timestamp: dateTime,
  })
  .meta({ id: 'MessageOut' });

export const messageList = listOf(messageOutSchema, 'MessageOut');

export function messageOut(row: MessageRow, withContent = true): z.input<typeof messageOutSchema> {
  return {
    id: row.id,
    eventType: row.eventType,
    eventId: row.eventId,
    // The payload's numbers are kept as written (parseLossless), so it is typed loosely here.
    payload: withContent ? (parseLossless(row.payload) as Record<string, unknown>) : {},
    channels: row.channels,
    tags: row.tags,
    deliverAt: row.deliverAt?.toISOString() ?? null,
    timestamp: row.createdAt.toISOString(),
  };
}

/**
 * `messageOut` as JSON text, for a message just stored: its payload is spliced in as the JSON
 * text it was stored as (JSON.stringify of what was sent, so what `messageOut` would parse and
 * the response write again, digit for digit), instead of parsed only to be written again.
 */
export function messageOutJson(row: MessageRow, withContent = true): string {
  const fields = JSON.stringify({ ...messageOut(row, false), payload: undefined });
  return `${fields.slice(0, -1)},"payload":${withContent ? row.payload : '{}'}}`;
}

/** Svix's numeric status: 0 success, 1 pending, 2 fail, 3 sending, 4 canceled. */
export const statusCodes = {
  succeeded: 0,
  pending: 1,
  failed: 2,
  sending: 3,
  canceled: 4,
} as const;
export const statusTexts = {
  0: 'success',
  1: 'pending',
  2: 'fail',
  3: 'sending',
  4: 'canceled',
} as const;
export const messageStatus = z.union([0, 1, 2, 3, 4].map((n) => z.literal(n))).meta({
  description: '0 success, 1 pending, 2 fail, 3 sending, 4 canceled',
});
export const messageStatusText = z.enum(['success', 'pending', 'fail', 'sending', 'canceled']);

export const attemptOutSchema = z
  .object({
    id: z.string().meta({ example: 'atmpt_01m813tr4ax7y9sgh8am8md7ha' }),
    msgId: z.string(),
    endpointId: z.string(),
    url: z.string(),
    timestamp: dateTime,
    responseStatusCode: z.number().int().meta({ description: '0 when no response arrived.' }),
    response: z.string().meta({ description: 'The first 4 KiB of the response body.' }),
    responseDurationMs: z.number().int(),
    status: messageStatus,
    statusText: messageStatusText,
    triggerType: z
      .union([z.literal(0), z.literal(1)])
      .meta({ description: '0 scheduled, 1 manual' }),
    attemptNumber: z
      .number()
      .int()
      .meta({ description: 'Which attempt of the delivery this was.' }),
    error: z
      .string()
      .nullable()
      .meta({ description: 'Why the attempt failed without a response.' }),
    requestHeaders: z.record(z.string(), z.string()).meta({
      description:
        'The request headers sent, signature included; credential-like custom header values are redacted.',
    }),
    msg: messageOutSchema.optional(),
  })
  .meta({ id: 'MessageAttemptOut' });

export const attemptList = listOf(attemptOutSchema, 'MessageAttemptOut');

export function attemptOut(
  row: AttemptRow,
  options: { withContent?: boolean; message?: MessageRow } = {},
): z.input<typeof attemptOutSchema> {
  const status = statusCodes[row.outcome];
  return {
    id: row.id,
    msgId: row.messageId,
    endpointId: row.endpointId,
    url: row.url,
    timestamp: row.startedAt.toISOString(),
    responseStatusCode: row.statusCode ?? 0,
    response: (options.withContent ?? true) ? (row.response ?? '') : '',
    responseDurationMs: row.durationMs,
    status,
    statusText: statusTexts[status],
    triggerType: row.trigger === 'manual' ? 1 : 0,
    attemptNumber: row.attemptNumber,
    error: row.error,
    requestHeaders: row.requestHeaders,
    ...(options.message && { msg: messageOut(options.message, false) }),
  };
}

export const destinationOutSchema = z
  .object({
    id: z.string(),
    uid: z.string().nullable(),
    url: z.string(),
    description: z.string(),
    channels: z.array(z.string()).nullable(),
    eventTypes: z.array(z.string()).nullable(),
    filterTypes: z.array(z.string()).nullable(),
    disabled: z.boolean(),
    rateLimit: z.number().int().nullable(),
    throttleRate: z.number().int().nullable(),
    version: z.number().int(),
    createdAt: dateTime,
    updatedAt: dateTime,
    status: messageStatus,
    statusText: messageStatusText,
    nextAttempt: dateTime.nullable(),
    deliveryId: z.string(),
    deliveryStatus: z.enum(['pending', 'sending', 'succeeded', 'failed', 'canceled']),
    attemptCount: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    endpointDeleted: z.boolean(),
  })
  .meta({ id: 'MessageEndpointOut' });

export const destinationList = listOf(destinationOutSchema, 'MessageEndpointOut');

/**
 * A message's delivery to one endpoint, in Svix's shape: the endpoint, with the delivery's
 * status and next attempt. `deliveryStatus`, `attemptCount` and `lastStatusCode` are Hookrail's.
 */
export function destinationOut({
  delivery,
  endpoint,
}: Destination): z.input<typeof destinationOutSchema> {
  const status = statusCodes[delivery.status];
  return {
    id: endpoint.id,
    uid: endpoint.uid,
    url: endpoint.url,
    description: endpoint.description,
    channels: endpoint.channels,
    eventTypes: endpoint.filterTypes,
    filterTypes: endpoint.filterTypes,
    disabled: endpoint.disabled,
    rateLimit: endpoint.rateLimit,
    throttleRate: endpoint.rateLimit,
    version: 1,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
    status,
    statusText: statusTexts[status],
    nextAttempt: delivery.nextAttemptAt?.toISOString() ?? null,
    deliveryId: delivery.id,
    deliveryStatus: delivery.status,
    attemptCount: delivery.attemptCount,
    lastStatusCode: delivery.lastStatusCode,
    endpointDeleted: endpoint.deletedAt !== null,
  };
}
