import type { Express } from 'express';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';

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
