import type { Id } from '@hookrail/ids';
import type { Tx } from '../client.ts';
import { systemApplication } from './applications.ts';
import { insertMessage, type NewDelivery } from './messages.ts';

/** The event types of operational webhooks, named as Svix names them. */
export const operationalEventTypes = [
  'endpoint.created',
  'endpoint.updated',
  'endpoint.deleted',
  'endpoint.disabled',
  'endpoint.enabled',
  'message.attempt.failing',
  'message.attempt.exhausted',
  'message.attempt.recovered',
] as const;

export type OperationalEventType = (typeof operationalEventTypes)[number];

export interface EndpointRef {
  appId: string;
  appUid: string | null;
  endpointId: string;
  endpointUid: string | null;
}

export type OperationalEvent =
  | {
      type: 'endpoint.created' | 'endpoint.updated' | 'endpoint.deleted' | 'endpoint.enabled';
      data: EndpointRef;
    }
  | {
      type: 'endpoint.disabled';
      /** `manual`: through the API (as Svix); `automatic`: failing too long; `gone`: a 410. */
      data: EndpointRef & { failSince: string | null; trigger: 'manual' | 'automatic' | 'gone' };
    }
  | {
      type: 'message.attempt.failing' | 'message.attempt.exhausted' | 'message.attempt.recovered';
      data: {
        appId: string;
        appUid: string | null;
        msgId: string;
        msgEventId: string | null;
        endpointId: string;
        lastAttempt: {
          id: string;
          timestamp: string;
          responseStatusCode: number;
          responseDurationMs: number;
        };
      };
    };

/**
 * Records operational events for the tenant as messages of its operational-webhook
 * application, inside the caller's transaction: the event commits with the change it reports,
 * and is then delivered like any message (signed, retried, logged). Nothing is written when
 * the tenant has no operational endpoint to receive it.
 */
export async function emitOperationalEvents(
  tx: Tx,
  tenantId: Id<'tenant'>,
  events: readonly OperationalEvent[],
): Promise<NewDelivery[]> {
  if (events.length === 0) return [];
  const app = await systemApplication(tx, tenantId, false);
  if (app === undefined) return [];
  const out: NewDelivery[] = [];
  for (const event of events) {
    const created = await insertMessage(tx, {
      tenantId,
      appId: app.id,
      eventType: event.type,
      eventId: null,
      channels: null,
      tags: null,
      payload: JSON.stringify({
        type: event.type,
        timestamp: new Date().toISOString(),
        data: event.data,
      }),
      deliverAt: null,
    });
    if (created.ok) out.push(...created.deliveries);
  }
  return out;
}
