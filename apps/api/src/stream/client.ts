import { idTime } from '@hookrail/ids';
import { compareStreamIds, type StatusEvent, type StatusReader } from '@hookrail/queue';
import type { WebSocket } from 'ws';
import { matches, parseCommand, type StreamCommand, type Subscription } from './commands.ts';
import type { StreamScope } from './credentials.ts';

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

export interface StreamClientOptions {
  socket: WebSocket;
  scope: StreamScope;
  /** The credential the connection was opened with, checked again while it lives. */
  token: string;
  reader: StatusReader;
  /** Past this many bytes waiting to be sent, the client is closed as too slow. */
  maxBufferedBytes: number;
  /** The JSON text of an event, made once for all clients. */
  serialize: (event: StatusEvent) => string;
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

  /** Live events of the client's tenant, in order. */
  deliver(events: readonly StatusEvent[]): void {
    if (this.replaying || this.closed) return;
    for (const event of events) {
      if (compareStreamIds(event.id, this.cursor) <= 0) continue;
      this.cursor = event.id;
      if (this.subscription !== undefined && this.visible(event, this.subscription)) {
        if (!this.sendText(this.options.serialize(event))) return;
      }
    }
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
        const { type: _, ...subscription } = command;
        if (
          scope.appId !== undefined &&
          subscription.appId !== undefined &&
          subscription.appId !== scope.appId
        ) {
          this.sendJson({
            type: 'error',
            code: 'forbidden',
            detail:
              'These credentials see only their own application; appId must be that one or absent.',
          });
          return;
        }
        this.subscription = subscription;
        this.liveFrom ??= this.cursor;
        if (subscription.msgId !== undefined) {
          const from = Math.max(0, idTime(subscription.msgId).getTime() - msgLookbackMs);
          await this.replay(`${from}-0`, this.cursor);
        }
        // From here on the filter holds: events after this message pass through it.
        this.sendJson({ type: 'subscribed', filter: subscription });
        return;
      }
      case 'resume': {
        this.subscription ??= {};
        const liveFrom = this.liveFrom ?? this.cursor;
        this.liveFrom = liveFrom;
        if (await reader.lostAfter(scope.tenantId, command.lastEventId)) {
          this.sendJson({
            type: 'gap',
            timestamp: new Date().toISOString(),
            data: {
              lastEventId: command.lastEventId,
              detail:
                'Events after lastEventId have left the window; read the current state through the API.',
            },
          });
        }
        // Events after liveFrom were dealt with live already: the replay stops there.
        const upTo = compareStreamIds(command.lastEventId, liveFrom) < 0 ? liveFrom : undefined;
        if (upTo !== undefined) await this.replay(command.lastEventId, upTo);
        return;
      }
    }
  }

  /**
   * Sends the matching events after `from` up to `upTo` (inclusive), then whatever came
   * after `cursor` meanwhile, and returns to live delivery once it has caught up with the
   * reader. Live events are held back (skipped: they are in Redis) until then.
   */
  private async replay(from: string, upTo: string): Promise<void> {
    const { reader, scope } = this.options;
    this.replaying = true;
    let at = from;
    let end: string | undefined = upTo;
    for (;;) {
      const page = await reader.range(scope.tenantId, at, replayPage);
      let passedEnd = false;
      for (const event of page) {
        if (end !== undefined && compareStreamIds(event.id, end) > 0) {
          passedEnd = true;
          break;
        }
        at = event.id;
        if (this.subscription !== undefined && this.visible(event, this.subscription)) {
          if (!this.sendText(this.options.serialize(event))) return;
        }
      }
      if (this.closed) return;
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
    this.sendText(JSON.stringify(message));
  }

  /** Sends, or closes the client as too slow when its backlog is past the bound. */
  private sendText(text: string): boolean {
    if (this.closed) return false;
    this.socket.send(text);
    if (this.socket.bufferedAmount > this.options.maxBufferedBytes) {
      this.close(closeCodes.tooSlow, 'too slow: reconnect and resume');
      return false;
    }
    return true;
  }
}
