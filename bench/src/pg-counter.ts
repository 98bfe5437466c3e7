import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Messages clients sent to Postgres, by wire-protocol type, since the last reset. */
export interface PgCounts {
  /** Simple queries ('Q'): one statement, one round trip. */
  query: number;
  /** Extended-protocol executions ('E'): one per statement. */
  execute: number;
  /** Syncs ('S'): the end of an extended-protocol exchange, one round trip. */
  sync: number;
}

/**
 * A loopback proxy in front of Postgres that counts what clients send, message by message,
 * without changing a byte. Statements are queries plus executions; round trips are queries
 * plus syncs (node-postgres sends Parse/Bind/Execute/Sync per statement, waiting for the
 * answer). The proxy adds latency, so it is used only to count, never to time.
 */
export class PgCounter {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  counts: PgCounts = { query: 0, execute: 0, sync: 0 };
  port = 0;

  private readonly upstreamHost: string;
  private readonly upstreamPort: number;

  constructor(upstreamHost: string, upstreamPort: number) {
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => this.pipe(client));
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  reset(): void {
    this.counts = { query: 0, execute: 0, sync: 0 };
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.upstreamPort, this.upstreamHost);
    this.sockets.add(client).add(upstream);
    let pending: Buffer = Buffer.alloc(0);
    let started = false; // the startup message has no type byte
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        if (!started) {
          if (pending.length < 4) break;
          const length = pending.readInt32BE(0);
          if (pending.length < length) break;
          pending = pending.subarray(length);
          started = true;
          continue;
        }
        if (pending.length < 5) break;
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) break;
        const type = String.fromCharCode(pending[0] ?? 0);
        if (type === 'Q') this.counts.query += 1;
        else if (type === 'E') this.counts.execute += 1;
        else if (type === 'S') this.counts.sync += 1;
        pending = pending.subarray(1 + length);
      }
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  }
}
