import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/** Reads one connection's client-to-server bytes and counts what it sees. */
export type Parser = (chunk: Buffer) => void;

/**
 * A loopback TCP proxy that passes every byte unchanged and lets a parser count what clients
 * send. It adds latency, so the harness uses it only to count round trips, never to time.
 */
export class CountingProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly upstreamPort: number;
  private readonly parser: () => Parser;
  port = 0;

  constructor(upstreamPort: number, parser: () => Parser) {
    this.upstreamPort = upstreamPort;
    this.parser = parser;
  }

  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.pipe(client);
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    const parse = this.parser();
    this.sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      parse(chunk);
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

/** What clients sent Postgres: statements and round trips. */
export interface PgCounts {
  /** Simple queries ('Q') plus extended-protocol executions ('E'). */
  statements: number;
  /** Simple queries plus Syncs ('S'): each waits for the server's answer. */
  roundTrips: number;
}

/** Counts Postgres wire-protocol messages from clients into `counts`. */
export function pgParser(counts: PgCounts): () => Parser {
  return () => {
    let pending: Buffer = Buffer.alloc(0);
    let started = false; // the startup message has no type byte
    return (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        const header = started ? 5 : 4;
        if (pending.length < header) return;
        const length = pending.readInt32BE(header - 4) + (started ? 1 : 0);
        if (pending.length < length) return;
        const type = started ? String.fromCharCode(pending[0] ?? 0) : '';
        if (type === 'Q') counts.roundTrips += 1;
        if (type === 'Q' || type === 'E') counts.statements += 1;
        if (type === 'S') counts.roundTrips += 1;
        pending = pending.subarray(length);
        started = true;
      }
    };
  };
}

/** What clients sent Redis: commands, and writes (a pipeline is one write: about a round trip). */
export interface RedisCounts {
  commands: number;
  writes: number;
}

/** Counts RESP commands (arrays of bulk strings, as every client library sends) into `counts`. */
export function redisParser(counts: RedisCounts): () => Parser {
  return () => {
    let pending = '';
    return (chunk) => {
      counts.writes += 1;
      pending += chunk.toString('latin1');
      for (;;) {
        const consumed = commandLength(pending);
        if (consumed === undefined) return;
        counts.commands += 1;
        pending = pending.slice(consumed);
      }
    };
  };
}

/** Length of the first complete RESP command in `text`, or undefined while it is incomplete. */
function commandLength(text: string): number | undefined {
  let at = text.indexOf('\r\n');
  if (at < 0 || !text.startsWith('*')) return undefined;
  const parts = Number(text.slice(1, at));
  at += 2;
  for (let i = 0; i < parts; i++) {
    const end = text.indexOf('\r\n', at);
    if (end < 0) return undefined;
    const size = Number(text.slice(at + 1, end));
    at = end + 2 + size + 2;
    if (at > text.length) return undefined;
  }
  return at;
}
