import { redisKey, type RedisClient } from './redis.ts';

/**
 * Every kind of event on the status stream. Delivery events follow one delivery (a message to
 * one endpoint); the operational events are those the tenant's operational webhooks carry;
 * `task.progress` follows a background task (recover, bulk retry).
 */
export const statusEventTypes = [
  'message.accepted',
  'attempt.started',
  'attempt.finished',
  'delivery.retry_scheduled',
  'delivery.succeeded',
  'delivery.failed',
  'delivery.canceled',
  'endpoint.created',
  'endpoint.updated',
  'endpoint.deleted',
  'endpoint.disabled',
  'endpoint.enabled',
  'message.attempt.failing',
  'message.attempt.exhausted',
  'message.attempt.recovered',
  'task.progress',
  // Internal: a credential of the tenant was revoked; API instances re-check their clients.
  'credentials.changed',
] as const;

export type StatusEventType = (typeof statusEventTypes)[number];

/**
 * The facts of an event. The ids it involves are named the same way in every event, so that
 * a subscriber's filter reads them without knowing the type; `status` is the delivery's status
 * once the event happened, `eventType` the message's event type.
 */
export interface StatusEventData {
  msgId?: string;
  appId?: string;
  endpointId?: string;
  /** For `message.accepted`: every endpoint the message goes to. */
  endpointIds?: string[];
  attemptId?: string;
  deliveryId?: string;
  eventType?: string;
  status?: 'pending' | 'sending' | 'succeeded' | 'failed' | 'canceled';
  [fact: string]: unknown;
}

/** An event to append: it goes to its tenant's stream. */
export interface NewStatusEvent {
  tenantId: string;
  type: StatusEventType;
  data: StatusEventData;
  /** When it happened, in milliseconds. @defaultValue now */
  at?: number;
}

/** An event as read back: `id` is its Redis stream id, increasing within the tenant. */
export interface StatusEvent {
  id: string;
  type: StatusEventType;
  timestamp: string;
  data: StatusEventData;
}

export interface StatusStreamSettings {
  /** The Redis key prefix (keys are `{prefix}:status:<tenant id>`). */
  prefix: string;
  /** Events older than this are trimmed (on the next append to the same tenant's stream). */
  windowMs: number;
  /** At most this many events are kept per tenant. */
  maxLen: number;
}

/** The stream of one tenant. */
export function statusStreamKey(prefix: string, tenantId: string): string {
  return redisKey(prefix, 'status', tenantId);
}

/**
 * Below this length the cap is exact; above it Redis trims whole nodes (`~`), which is far
 * cheaper and keeps at least `maxLen` events.
 */
const exactTrimBelow = 1000;

/** Queues one command on a pipeline (an ioredis pipeline, or BullMQ's wrapper of one). */
export type QueueCommand = (command: string, args: (string | number)[]) => void;

/**
 * Queues, through `send`, the commands that append `events` (in order) to their tenants'
 * streams and trim each stream to its window. Returns how many replies the commands produce,
 * the first `events.length` of which are the appends, in order.
 */
export function appendStatusEvents(
  send: QueueCommand,
  settings: StatusStreamSettings,
  events: readonly NewStatusEvent[],
  now: number,
): number {
  const keys = new Set<string>();
  const cap = settings.maxLen < exactTrimBelow ? '=' : '~';
  for (const event of events) {
    const key = statusStreamKey(settings.prefix, event.tenantId);
    keys.add(key);
    send('xadd', [
      key,
      'MAXLEN',
      cap,
      settings.maxLen,
      '*',
      'type',
      event.type,
      'at',
      event.at ?? now,
      'data',
      JSON.stringify(event.data),
    ]);
  }
  for (const key of keys) {
    // MINID takes stream ids, whose first part is Redis's clock in milliseconds.
    send('xtrim', [key, 'MINID', '~', Math.max(0, now - settings.windowMs)]);
    // An idle tenant's stream leaves Redis once all of it is out of the window.
    send('pexpire', [key, settings.windowMs]);
  }
  return events.length + 2 * keys.size;
}

/** Reads one stream entry's fields back into an event; undefined if it is not one of ours. */
export function parseStatusEntry(id: string, fields: readonly string[]): StatusEvent | undefined {
  let type: string | undefined;
  let at: number | undefined;
  let data: StatusEventData | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1] ?? '';
    if (fields[i] === 'type') type = value;
    else if (fields[i] === 'at') at = Number(value);
    else if (fields[i] === 'data') {
      try {
        data = JSON.parse(value) as StatusEventData;
      } catch {
        return undefined;
      }
    }
  }
  if (type === undefined || !(statusEventTypes as readonly string[]).includes(type))
    return undefined;
  if (at === undefined || !Number.isFinite(at) || data === undefined) return undefined;
  return { id, type: type as StatusEventType, timestamp: new Date(at).toISOString(), data };
}

export interface StatusPublisher {
  /**
   * Appends events without waiting: it never delays or fails its caller. The events published
   * during one turn of the event loop go to Redis together, in one pipelined call, in the order
   * they were published, unless another call on the connection takes them first
   * (`takePending`): the publisher sends them itself one turn later, so a call made in the
   * same turn carries them. Events are dropped, and counted, when Redis is not connected, when
   * too many appends are already waiting on a slow Redis, or when Redis refuses them.
   */
  publish(events: readonly NewStatusEvent[]): void;
  /**
   * Hands over the events published but not yet sent, for a caller that appends them itself
   * ahead of its own on the same connection (the delivery queue, the endpoint gate), so that
   * they keep their order on the connection.
   */
  takePending(): NewStatusEvent[];
  /** Counts events that were not appended because Redis was unreachable or slow. */
  dropped(count: number): void;
  /** Events dropped since start. */
  droppedCount(): number;
  /** Sends what is pending, then resolves once every append in flight has been answered. */
  flush(): Promise<void>;
  readonly settings: StatusStreamSettings;
  /** Where the events go: a call that carries them must be on this connection. */
  readonly connection: RedisClient;
}

/** Appends in flight at once, at most; past it Redis is slow and new events are dropped. */
const maxInFlight = 64;

/**
 * The producer side of the status stream, over a connection that fails fast. A worker publishes
 * an `attempt.started` per claimed delivery, many in the same turn: gathering them costs one
 * pipeline per turn instead of one per delivery.
 */
export function createStatusPublisher(options: {
  connection: RedisClient;
  settings: StatusStreamSettings;
  now?: () => number;
}): StatusPublisher {
  const now = options.now ?? Date.now;
  let dropped = 0;
  const inFlight = new Set<Promise<void>>();
  let pending: NewStatusEvent[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const send = () => {
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    const events = pending;
    pending = [];
    if (events.length === 0) return;
    if (options.connection.status !== 'ready' || inFlight.size >= maxInFlight) {
      dropped += events.length;
      return;
    }
    const pipeline = options.connection.pipeline();
    appendStatusEvents(
      (command, args) => void pipeline.call(command, ...args),
      options.settings,
      events,
      now(),
    );
    const done: Promise<void> = pipeline.exec().then(
      (replies) => {
        publisher.dropped(countFailed(replies, events.length));
        inFlight.delete(done);
      },
      () => {
        dropped += events.length;
        inFlight.delete(done);
      },
    );
    inFlight.add(done);
  };
  // A turn later: calls made on the connection in the turn of the publish go first and carry them.
  const sendNextTurn = () => {
    scheduled = setImmediate(send);
  };
  const publisher: StatusPublisher = {
    settings: options.settings,
    connection: options.connection,
    publish(events) {
      if (events.length === 0) return;
      if (options.connection.status !== 'ready') {
        dropped += events.length;
        return;
      }
      for (const event of events) pending.push(event);
      scheduled ??= setImmediate(sendNextTurn);
    },
    takePending() {
      const taken = pending;
      pending = [];
      if (scheduled !== undefined) clearImmediate(scheduled);
      scheduled = undefined;
      return taken;
    },
    dropped(count) {
      dropped += count;
    },
    droppedCount: () => dropped,
    async flush() {
      send();
      await Promise.all(inFlight);
    },
  };
  return publisher;
}

/** How many of the first `count` replies of a pipeline are errors (or missing). */
export function countFailed(
  replies: [error: Error | null, result: unknown][] | null,
  count: number,
): number {
  if (replies === null) return count;
  let failed = 0;
  for (let i = 0; i < count; i++) if (replies[i]?.[0] != null || replies[i] === undefined) failed++;
  return failed;
}
