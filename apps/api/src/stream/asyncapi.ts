import type { StatusEventType } from '@hookrail/queue';
import { z } from 'zod';
import { streamCommand } from './commands.ts';
import { closeCodes } from './client.ts';
import { statusStreamPath } from './server.ts';

/** What each event means, for the document (the README's table says the same). */
const eventDescriptions: Record<Exclude<StatusEventType, 'credentials.changed'>, string> = {
  'message.accepted':
    'The message is stored with its deliveries; data.endpointIds lists them. Always before any of its attempts.',
  'attempt.started':
    'A worker is about to send an attempt: data.attemptId (the id its record will have, which its attempt.finished carries too), attemptNumber, trigger.',
  'attempt.finished':
    'An attempt ended: data.attemptId, responseStatusCode, durationMs, error, sent, nextAttemptAt.',
  'delivery.retry_scheduled': 'The delivery will be tried again at data.nextAttemptAt.',
  'delivery.succeeded': 'The delivery succeeded.',
  'delivery.failed': 'The delivery failed for good (its schedule is used up, or it was manual).',
  'delivery.canceled':
    "The delivery was canceled before it could end: data.reason is endpoint_deleted (its endpoint was deleted through the API), message_expunged (its message's content was expunged, through the API or by the retention purge) or application_deleted (its application was deleted; found by a claim or by the purge). One event per delivery canceled; none for a deleted tenant, whose stream nobody may watch any more.",
  'endpoint.created': 'Operational event: an endpoint was created through the API.',
  'endpoint.updated': 'Operational event: an endpoint was updated through the API.',
  'endpoint.deleted': 'Operational event: an endpoint was deleted through the API.',
  'endpoint.disabled':
    'Operational event: an endpoint was disabled: data.trigger is manual (through the API), gone (a 410) or automatic (failing too long); data.failSince.',
  'endpoint.enabled': 'Operational event: a disabled endpoint was enabled through the API.',
  'message.attempt.failing': 'Operational event: a delivery failed for the 4th time in a row.',
  'message.attempt.exhausted': 'Operational event: a delivery used up its retry schedule.',
  'message.attempt.recovered':
    'Operational event: a delivery succeeded after failing 4 times or more.',
  'task.progress':
    'A background task (recover, bulk replay, replay-missing, bulk retry) was created, queued a batch, ended, or some of the deliveries it re-queued ended or were canceled: data.taskId, appId, endpointId, task (its kind), taskStatus, total, queued, delivered, failedAgain, error, done, as GET /api/v1/bulk-retry/{id} shows it. Counts never decrease, but events of one task may carry older counts than an earlier event: keep the largest of each.',
};

const eventPayload = (type: string) => ({
  type: 'object',
  required: ['id', 'type', 'timestamp', 'data'],
  properties: {
    id: { type: 'string', description: 'Increases within the tenant; send it back to resume.' },
    type: { const: type },
    timestamp: { type: 'string', format: 'date-time' },
    data: {
      type: 'object',
      properties: {
        msgId: { type: 'string' },
        appId: { type: 'string' },
        endpointId: { type: 'string' },
        deliveryId: { type: 'string' },
        attemptId: { type: 'string' },
        eventType: { type: 'string' },
        status: { enum: ['pending', 'sending', 'succeeded', 'failed', 'canceled'] },
      },
      additionalProperties: true,
    },
  },
});

/** The status stream as an AsyncAPI 3.0 document, served beside the OpenAPI one. */
export function asyncApiDocument(serverUrl: string): Record<string, unknown> {
  const url = new URL(serverUrl);
  const events = Object.entries(eventDescriptions).map(([type, description]) => ({
    key: type.replaceAll('.', '_'),
    message: { name: type, summary: description, payload: eventPayload(type) },
  }));
  const messages: Record<string, unknown> = {
    ...Object.fromEntries(events.map((e) => [e.key, e.message])),
    gap: {
      name: 'gap',
      summary:
        'A resume asked for events that have left the window; read the state through the REST API.',
      payload: {
        type: 'object',
        properties: {
          type: { const: 'gap' },
          timestamp: { type: 'string', format: 'date-time' },
          data: { type: 'object', properties: { lastEventId: { type: 'string' } } },
        },
      },
    },
    batch: {
      name: 'batch',
      summary:
        'For a client that sent batch: true with subscribe or resume: the events ready together (one read of the stream, or one page of a replay), in order, in one frame, instead of one frame each. Control messages (subscribed, gap, error) still come alone.',
      payload: {
        type: 'object',
        required: ['type', 'events'],
        properties: {
          type: { const: 'batch' },
          events: {
            type: 'array',
            items: { type: 'object', required: ['id', 'type', 'timestamp', 'data'] },
          },
        },
      },
    },
    subscribed: {
      name: 'subscribed',
      summary:
        'The filter is in effect: after a subscribe (and the replay of its msgId), or once a resume has sent every missed event.',
      payload: {
        type: 'object',
        properties: {
          type: { const: 'subscribed' },
          filter: { type: 'object' },
          batch: { const: true, description: 'Present when events come in batch frames.' },
        },
      },
    },
    error: {
      name: 'error',
      summary: 'A command was not understood; the connection stays open.',
      payload: {
        type: 'object',
        properties: {
          type: { const: 'error' },
          code: { type: 'string' },
          detail: { type: 'string' },
        },
      },
    },
    command: {
      name: 'command',
      summary:
        'subscribe, unsubscribe or resume. A resume with filter fields sets the filter as subscribe does, before its replay; without them it keeps the filter.',
      payload: z.toJSONSchema(streamCommand, { target: 'draft-2020-12' }),
    },
  };
  const fromServer = Object.keys(messages).filter((key) => key !== 'command');
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Hookrail status stream',
      version: '0.1.0',
      description: [
        'Live delivery progress over a WebSocket. Authenticate the upgrade with',
        '`Authorization: Bearer <API key | app portal token | stream token>` or `?token=`.',
        'A refused upgrade answers 401; an address that failed too often (with the REST API)',
        'gets 429 `auth_throttled` with Retry-After.',
        'Close codes:',
        `${closeCodes.unauthorized} credentials expired or revoked (do not reconnect with them);`,
        `${closeCodes.tooSlow} too slow (reconnect and resume); ${closeCodes.protocol} protocol`,
        `violation; ${closeCodes.goingAway} server shutting down (reconnect and resume).`,
      ].join(' '),
    },
    servers: {
      api: {
        host: url.host,
        protocol: url.protocol === 'https:' ? 'wss' : 'ws',
        security: [{ $ref: '#/components/securitySchemes/bearer' }],
      },
    },
    channels: {
      statusStream: {
        address: statusStreamPath,
        messages: Object.fromEntries(
          Object.keys(messages).map((key) => [key, { $ref: `#/components/messages/${key}` }]),
        ),
      },
    },
    operations: {
      receiveEvents: {
        action: 'receive',
        channel: { $ref: '#/channels/statusStream' },
        messages: fromServer.map((key) => ({ $ref: `#/channels/statusStream/messages/${key}` })),
      },
      sendCommands: {
        action: 'send',
        channel: { $ref: '#/channels/statusStream' },
        messages: [{ $ref: '#/channels/statusStream/messages/command' }],
      },
    },
    components: {
      messages,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}
