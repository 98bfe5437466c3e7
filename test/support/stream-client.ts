import { WebSocket } from 'ws';
import { waitFor } from './wait.ts';

export interface StreamMessage {
  id?: string;
  type: string;
  timestamp?: string;
  code?: string;
  detail?: string;
  data?: Record<string, unknown>;
  /** A batch frame's events, in order. */
  events?: StreamMessage[];
}

/** A status stream client for tests: records every message and how the connection ended. */
export class StreamClient {
  readonly socket: WebSocket;
  readonly messages: StreamMessage[] = [];
  closeCode: number | undefined;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data: Buffer) => {
      this.messages.push(JSON.parse(data.toString('utf8')) as StreamMessage);
    });
    socket.on('close', (code) => (this.closeCode = code));
  }

  /**
   * Connects with `token` as a Bearer credential (or in the query string with `inQuery`).
   * Resolves once open, or rejects with the HTTP status of a refused upgrade.
   */
  static async connect(
    baseUrl: string,
    token: string | undefined,
    options: { inQuery?: boolean } = {},
  ): Promise<StreamClient> {
    const url = new URL('/api/v1/status-stream', baseUrl.replace(/^http/, 'ws'));
    if (options.inQuery === true && token !== undefined) url.searchParams.set('token', token);
    const socket = new WebSocket(url, {
      headers:
        token !== undefined && options.inQuery !== true ? { authorization: `Bearer ${token}` } : {},
    });
    const client = new StreamClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('unexpected-response', (_req, res) => {
        reject(new UpgradeRefused(res.statusCode ?? 0));
      });
      socket.once('error', reject);
    });
    return client;
  }

  send(command: object): void {
    this.socket.send(JSON.stringify(command));
  }

  /** The events received (server messages with an id, and those of batch frames), in order. */
  events(): StreamMessage[] {
    return this.messages.flatMap((m) =>
      m.type === 'batch' ? (m.events ?? []) : m.id !== undefined ? [m] : [],
    );
  }

  async waitForEvent(
    what: string,
    check: (message: StreamMessage) => boolean,
    timeoutMs?: number,
  ): Promise<StreamMessage> {
    return waitFor(what, () => this.messages.find(check), timeoutMs);
  }

  async waitForClose(timeoutMs?: number): Promise<number> {
    return waitFor('the connection to close', () => this.closeCode, timeoutMs);
  }

  close(): void {
    this.socket.terminate();
  }
}

export class UpgradeRefused extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`the upgrade was refused with ${status}`);
    this.status = status;
  }
}
