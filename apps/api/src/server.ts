import type { Express } from 'express';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';

export interface RunningServer {
  server: Server;
  port: number;
  /**
   * Stops accepting connections, lets requests in flight finish for up to `graceMs`, then
   * cuts whatever is left.
   */
  close(graceMs?: number): Promise<void>;
}

export async function listen(app: Express, port: number, host?: string): Promise<RunningServer> {
  const server = createServer(app);
  server.keepAliveTimeout = 65_000; // longer than common load balancer idle timeouts
  server.on('clientError', answerClientError);
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo; // listening on TCP, so never a string
  return {
    server,
    port: address.port,
    async close(graceMs = 10_000) {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const timer = setTimeout(() => server.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
    },
  };
}

/**
 * Requests Node's HTTP parser refuses before express sees them (a URL or headers over 16 KiB,
 * malformed HTTP) get the API's error shape too, instead of Node's bare status line.
 */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const [status, reason, code, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [
          431,
          'Request Header Fields Too Large',
          'headers_too_large',
          'The URL and headers together must stay under 16 KiB.',
        ]
      : [400, 'Bad Request', 'bad_request', 'The request is not valid HTTP.'];
  const body = JSON.stringify({ code, detail });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
