import { idTime } from '@hookrail/ids';
import { compareStreamIds, type StatusEvent, type StatusReader } from '@hookrail/queue';
import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import { matches, parseCommand, type StreamCommand, type Subscription } from './commands.ts';
import type { StreamScope } from './credentials.ts';
import { EventFrames } from './frames.ts';

/** Close codes of the status stream (RFC 6455 leaves 4000-4999 to applications). */
export const closeCodes = {
  /** Credentials expired or were revoked: do not reconnect with the same ones. */
  unauthorized: 4401,
  /** The client read too slowly: reconnect and resume. */
  tooSlow: 4429,
  /** Not the protocol (a binary frame): fix the client. */
  protocol: 4400,
  /** The server is shutting down: reconnect (to another instance) and resume. */
  goingAway: 1001,
} as const;

/** Events read per Redis call while replaying. */
const replayPage = 500;
/** A message's events are looked for from this long before its id's time (clock skew). */
const msgLookbackMs = 60_000;

/** The JSON of a fan-out's events, made once for all the clients of their tenant. */
export interface LivePayloads {
  one(event: StatusEvent, index: number): Buffer;
  all(): Buffer | undefined;
}

export interface StreamClientOptions {
  socket: WebSocket;
  /**
   * The TCP socket under `socket`: corked while a batch of events is framed, so that the batch
   * leaves in one write however many events it holds.
   */
  transport: Pick<Duplex, 'cork' | 'uncork'>;
  scope: StreamScope;
  /** The credential the connection was opened with, checked again while it lives. */
  token: string;
  reader: StatusReader;
  /** Past this many bytes waiting to be sent, the client is closed as too slow. */
  maxBufferedBytes: number;
  /** The JSON text of an event, as UTF-8 (the text frame's payload). */
  serialize: (event: StatusEvent) => Buffer;
}

/**
 * One WebSocket client of the status stream. Live events pass through its subscription; a
 * `resume` or a `subscribe` with `msgId` first replays from Redis while live events wait, then
 * joins the live flow without a gap or a duplicate: `cursor` is the newest event it has dealt
 * with, and live events at or before it are skipped.
 */
export class StreamClient {
  readonly socket: WebSocket;
  readonly scope: StreamScope;
  readonly token: string;
  /** Answered the last ping. */
  alive = true;
  private readonly options: StreamClientOptions;
  private readonly frames: EventFrames;
  private subscription: Subscription | undefined;
  private cursor: string;
  /** Where live delivery started (the first subscribe), and so where a resume must stop. */
  private liveFrom: string | undefined;
  private replaying = false;
  private closed = false;
  private commands: Promise<void> = Promise.resolve();

  constructor(options: StreamClientOptions) {
    this.options = options;
    this.socket = options.socket;
    this.scope = options.scope;
    this.token = options.token;
    this.frames = new EventFrames(options.socket);
    this.cursor = options.reader.position(options.scope.tenantId);
  }

  /** Handles a text frame; commands run one after another, in the order they came. */
  receive(text: string): void {
    const parsed = parseCommand(text);
    if (!parsed.ok) {
      this.sendJson({ type: 'error', code: parsed.code, detail: parsed.detail });
      return;
    }
    this.commands = this.commands
      .then(() => this.run(parsed.command))
      .catch(() => {
        this.sendJson({
          type: 'error',
          code: 'unavailable',
          detail: 'The event store could not be read; try again.',
        });
        this.replaying = false;
      });
  }

  /**
   * Live events of the client's tenant, in order. `payloads` are made once for every client:
   * `one(event, i)` the JSON of `events[i]`, `all()` the batch frame of all of them (undefined
   * when too large for one). One JSON event per frame (or, batched, one frame for all those the
   * client sees), and the frames of one call in one write.
   */
  deliver(events: readonly StatusEvent[], payloads: LivePayloads): void {
    if (this.replaying || this.closed) return;
    const seen: number[] = [];
    for (let i = 0; i < events.length; i++) {
      const event = events[i];
      if (event === undefined || compareStreamIds(event.id, this.cursor) <= 0) continue;
      this.cursor = event.id;
      if (this.subscription !== undefined && this.visible(event, this.subscription)) seen.push(i);
    }
    if (seen.length === 0 || !this.keepingUp()) return;
    this.options.transport.cork();
    const whole = this.frames.batched && seen.length === events.length ? payloads.all() : undefined;
    if (whole !== undefined) this.frames.sendBatch(whole);
    else {
      for (const i of seen) {
        const event = events[i];
        if (event !== undefined) this.frames.send(payloads.one(event, i));
      }
      this.frames.flush();
    }
    this.options.transport.uncork();
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close(code, reason);
  }

  private async run(command: StreamCommand): Promise<void> {
    const { reader, scope } = this.options;
    switch (command.type) {
      case 'unsubscribe':
        this.subscription = undefined;
        return;
      case 'subscribe': {
        const { type: _, batch, ...subscription } = command;
        if (!this.mayWatch(subscription)) return;
        if (batch !== undefined) this.frames.batched = batch;
        this.subscription = subscription;
        this.liveFrom ??= this.cursor;
        if (subscription.msgId !== undefined) {
          const from = Math.max(0, idTime(subscription.msgId).getTime() - msgLookbackMs);
          await this.replay(`${from}-0`, this.cursor);
        }
        // From here on the filter holds: events after this message pass through it.
        this.subscribed();
        return;
      }
      case 'resume': {
        const { type: _, lastEventId, batch, ...filter } = command;
        if (Object.keys(filter).length > 0) {
          if (!this.mayWatch(filter)) return;
          this.subscription = filter;
        } else {
          this.subscription ??= {};
        }
        if (batch !== undefined) this.frames.batched = batch;
        // Live events wait in Redis from here until the replay has caught up with them, so
        // that none goes out before a missed one.
        this.replaying = true;
        const liveFrom = this.liveFrom ?? this.cursor;
        this.liveFrom = liveFrom;
        if (await reader.lostAfter(scope.tenantId, lastEventId)) {
          this.sendJson({
            type: 'gap',
            timestamp: new Date().toISOString(),
            data: {
              lastEventId,
              detail:
                'Events after lastEventId have left the window; read the current state through the API.',
            },
          });
        }
        // Events after liveFrom were dealt with live already (after an earlier subscribe on
        // this connection): the first stretch of the replay stops there.
        if (compareStreamIds(lastEventId, liveFrom) < 0) await this.replay(lastEventId, liveFrom);
        else {
          const after = compareStreamIds(lastEventId, this.cursor) > 0 ? lastEventId : this.cursor;
          await this.replay(after, undefined);
        }
        this.subscribed();
        return;
      }
    }
  }

  /** Says the filter is in effect (and that events come batched, when they do). */
  private subscribed(): void {
    this.sendJson({
      type: 'subscribed',
      filter: this.subscription,
      ...(this.frames.batched && { batch: true }),
    });
  }

  /**
   * False, with a `forbidden` error to the client, when the filter names an application its
   * credentials do not see (an application's credentials see only their own).
   */
  private mayWatch(filter: Subscription): boolean {
    const { appId } = this.options.scope;
    if (appId === undefined || filter.appId === undefined || filter.appId === appId) return true;
    this.sendJson({
      type: 'error',
      code: 'forbidden',
      detail: 'These credentials see only their own application; appId must be that one or absent.',
    });
    return false;
  }

  /**
   * Sends the matching events after `from` up to `upTo` (inclusive), then whatever came
   * after `cursor` meanwhile (without `upTo`, everything after `from`), and returns to live delivery once it has caught up with the
   * reader. Live events are held back (skipped: they are in Redis) until then.
   */
  private async replay(from: string, upTo: string | undefined): Promise<void> {
    const { reader, scope, transport } = this.options;
    this.replaying = true;
    let at = from;
    let end: string | undefined = upTo;
    for (;;) {
      const page = await reader.range(scope.tenantId, at, replayPage);
      if (this.closed || !this.keepingUp()) return;
      let passedEnd = false;
      transport.cork();
      for (const event of page) {
        if (end !== undefined && compareStreamIds(event.id, end) > 0) {
          passedEnd = true;
          break;
        }
        at = event.id;
        if (this.subscription !== undefined && this.visible(event, this.subscription)) {
          this.frames.send(this.options.serialize(event));
        }
      }
      this.frames.flush();
      transport.uncork();
      if (end !== undefined) {
        if (passedEnd || page.length < replayPage) {
          // The first stretch is done; what follows the cursor is what live delivery skipped.
          if (compareStreamIds(this.cursor, at) > 0) at = this.cursor;
          end = undefined;
        }
        continue;
      }
      if (page.length < replayPage) {
        // No await between this check and leaving replay: no live event can slip in between.
        if (page.length === 0 || compareStreamIds(at, reader.position(scope.tenantId)) >= 0) {
          if (compareStreamIds(at, this.cursor) > 0) this.cursor = at;
          this.replaying = false;
          return;
        }
      }
    }
  }

  private visible(event: StatusEvent, subscription: Subscription): boolean {
    const { appId } = this.scope;
    if (appId !== undefined && event.data.appId !== appId) return false;
    return matches(subscription, event);
  }

  private sendJson(message: object): void {
    if (this.closed || !this.keepingUp()) return;
    this.socket.send(JSON.stringify(message));
  }

  /**
   * Closes the client as too slow when what waits to be sent to it is past the bound. Checked
   * before a batch is written, not after: a client is slow when it left earlier batches unread,
   * not when one batch (at most one read of the reader, or one replay page) is larger than the
   * bound by itself, which a reader keeping up drains at once. What waits for a slow client is
   * then at most the bound and one batch.
   */
  private keepingUp(): boolean {
    if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.close(closeCodes.tooSlow, 'too slow: reconnect and resume');
      return false;
    }
    return true;
  }
}
