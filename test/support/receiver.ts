import { once } from 'node:events';
import {
  createServer,
  type IncomingHttpHeaders,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { waitFor } from './wait.ts';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Date.now() when the request arrived. */
  at: number;
  /** The status it was answered with; undefined while unanswered. */
  status?: number;
}

/** How to answer the n-th request (0-based): a status and body, or never answer. */
export type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/** A webhook receiver on a loopback port, recording every request it gets. */
export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private reply: (request: ReceivedRequest, index: number) => Reply = () => ({
    status: 200,
    body: 'ok',
  });
  private readonly hanging = new Set<ServerResponse>();
  private server: Server | undefined;
  private readonly open = new Map<string, number>();
  /** The most requests to a path that were open at the same time. */
  readonly maxOpen = new Map<string, number>();
  url = '';

  async start(host = '127.0.0.1'): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      const path = req.url ?? '';
      const opened = (this.open.get(path) ?? 0) + 1;
      this.open.set(path, opened);
      this.maxOpen.set(path, Math.max(opened, this.maxOpen.get(path) ?? 0));
      res.on('close', () => this.open.set(path, (this.open.get(path) ?? 1) - 1));
      req.on('end', () => {
        const request: ReceivedRequest = {
          method: req.method ?? '',
          path: req.url ?? '',
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          at: Date.now(),
        };
        const index = this.requests.push(request) - 1;
        const reply = this.reply(request, index);
        if (reply === 'hang') {
          this.hanging.add(res);
          return;
        }
        request.status = reply.status;
        res.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
        res.end(reply.body ?? '');
      });
    });
    this.server.listen(0, host);
    await once(this.server, 'listening');
    this.url = `http://${host}:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Answers every request left hanging so far. */
  release(status: number, body = 'ok'): void {
    for (const res of this.hanging) {
      res.writeHead(status, { 'content-type': 'text/plain' });
      res.end(body);
    }
    for (const request of this.requests) request.status ??= status;
    this.hanging.clear();
  }

  /** Decides the answers from now on. */
  answer(reply: (request: ReceivedRequest, index: number) => Reply): void {
    this.reply = reply;
  }

  /** Resolves once `count` requests have arrived (for `path`, if given). */
  async waitForRequests(
    count: number,
    path?: string,
    timeoutMs?: number,
  ): Promise<ReceivedRequest[]> {
    return waitFor(
      `${count} request(s)${path ? ` to ${path}` : ''} (got ${this.requestsTo(path).length})`,
      () => {
        const got = this.requestsTo(path);
        return got.length >= count ? got : undefined;
      },
      timeoutMs,
    );
  }

  /** Requests to `path` open (received, not yet answered) right now. */
  openRequests(path: string): number {
    return this.open.get(path) ?? 0;
  }

  requestsTo(path?: string): ReceivedRequest[] {
    return path === undefined ? this.requests : this.requests.filter((r) => r.path === path);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** A receiver for the whole test file. */
export function useReceiver(): Receiver {
  const receiver = new Receiver();
  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.close();
  });
  return receiver;
}
