import type { WebSocket } from 'ws';

/** A batch frame is sent once its events pass this many bytes, and the next one begun. */
export const maxBatchBytes = 64 * 1024;

const open = Buffer.from('{"type":"batch","events":[');
const comma = Buffer.from(',');
const close = Buffer.from(']}');

/**
 * The batch frame of `events` (the JSON of each), or undefined past `maxBatchBytes`: made once
 * by the fan-out for every batched client that sees all of them.
 */
export function batchFrame(events: readonly Buffer[]): Buffer | undefined {
  let bytes = open.length + close.length + Math.max(0, events.length - 1);
  for (const event of events) bytes += event.length;
  if (bytes > maxBatchBytes) return undefined;
  const parts: Buffer[] = [open];
  for (const event of events) {
    if (parts.length > 1) parts.push(comma);
    parts.push(event);
  }
  parts.push(close);
  return Buffer.concat(parts, bytes);
}

/**
 * Sends a client's events over its socket: each in a text frame of its own, or (`batched`,
 * which the client asks for) the events ready together in one `{"type":"batch","events":[…]}`
 * frame, in order. The events given are JSON texts made once for every client; a batch only
 * copies them.
 */
export class EventFrames {
  batched = false;
  private readonly socket: WebSocket;
  private parts: Buffer[] = [];
  private bytes = 0;

  constructor(socket: WebSocket) {
    this.socket = socket;
  }

  send(event: Buffer): void {
    if (!this.batched) {
      this.socket.send(event, { binary: false });
      return;
    }
    if (this.parts.length > 0 && this.bytes + event.length > maxBatchBytes) this.flush();
    if (this.parts.length > 0) this.parts.push(comma);
    this.parts.push(event);
    this.bytes += event.length + 1;
  }

  /** Sends a batch frame made already (`batchFrame`), after what was gathered before it. */
  sendBatch(frame: Buffer): void {
    this.flush();
    this.socket.send(frame, { binary: false });
  }

  /** Sends the batch gathered so far; called at the end of every group of events. */
  flush(): void {
    if (this.parts.length === 0) return;
    const frame = Buffer.concat([open, ...this.parts, close]);
    this.parts = [];
    this.bytes = 0;
    this.socket.send(frame, { binary: false });
  }
}
