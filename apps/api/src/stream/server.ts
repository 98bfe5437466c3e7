import type { Db } from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import type { AuthThrottle, StatusEvent, StatusReader } from '@hookrail/queue';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import proxyAddr from 'proxy-addr';
import { WebSocketServer } from 'ws';
import { looksLikeJwt, type PortalTokens } from '../portal-tokens.ts';
import { closeCodes, StreamClient, type LivePayloads } from './client.ts';
import { authenticate, credentialOf, type StreamScope } from './credentials.ts';
import { batchFrame } from './frames.ts';
import type { StreamTokens } from './stream-tokens.ts';

export const statusStreamPath = '/api/v1/status-stream';

export interface StatusStreamOptions {
  db: Db;
  portalTokens: PortalTokens;
  streamTokens: StreamTokens;
  /** Made with `onEvents` pointing at the returned server's `dispatch`. */
  reader: StatusReader;
  logger: Logger;
  /** A client whose unsent backlog passes this many bytes is closed with 4429. */
  maxBufferedBytes: number;
  /** Between pings; a client that has not answered the previous one is dropped. */
  pingIntervalMs: number;
  /** Between checks that each connection's credentials still hold. */
  recheckIntervalMs: number;
  /** Counts refused credentials per client address, with the REST API's failures. */
  authThrottle: AuthThrottle;
  /** Proxies whose X-Forwarded-For names the client, as for the REST API. */
  trustProxy: readonly string[];
}

export interface StatusStreamServer {
  /** Hands a tenant's new events to its clients. */
  dispatch(tenantId: string, events: readonly StatusEvent[]): void;
  /** Checks the credentials of a tenant's connections now (after a revocation). */
  recheck(tenantId: string): void;
  clientCount(): number;
  /** Closes every client with 1001 (reconnect elsewhere and resume). */
  close(): Promise<void>;
}

/** A frame's data, which ws hands over as one buffer, a list of them, or an ArrayBuffer. */
function toBuffers(data: Buffer[] | ArrayBuffer): Buffer[] {
  return Array.isArray(data) ? data : [Buffer.from(data)];
}

const reasons: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not Found',
  429: 'Too Many Requests',
  503: 'Service Unavailable',
};

/** Refuses an upgrade with a plain HTTP answer; the socket never becomes a WebSocket. */
function refuse(
  socket: Duplex,
  status: number,
  code: string,
  detail: string,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ code, detail });
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`);
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status] ?? 'Error'}\r\nContent-Type: application/json\r\n` +
      extra.join('') +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/**
 * The status stream's WebSocket endpoint, on the API's own HTTP server: authenticates the
 * upgrade, keeps the clients of each tenant, fans the reader's events out to them, pings them,
 * and re-checks their credentials. Timers are per server, not per client, so an idle
 * connection costs nothing but its memory.
 */
export function attachStatusStream(
  server: Server,
  options: StatusStreamOptions,
): StatusStreamServer {
  const { logger, reader } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const byTenant = new Map<string, Set<StreamClient>>();

  const serialize = (event: StatusEvent) => Buffer.from(JSON.stringify(event));

  const logUpgrade = (req: IncomingMessage, status: number, scope?: StreamScope) => {
    // The path only: a browser's credential travels in the query string.
    logger.info(
      { method: 'GET', path: (req.url ?? '').split('?')[0], status, tenantId: scope?.tenantId },
      'status stream upgrade',
    );
  };

  // The client's address as express's `req.ip` gives it to the REST API's throttle.
  const trusted = proxyAddr.compile([...options.trustProxy]);

  /**
   * Counts a refused credential as the REST API does (an API key or admin token, not a signed
   * token, which cannot be guessed) and answers 429 once the address is over its allowance.
   */
  const throttled = async (req: IncomingMessage, socket: Duplex, token: string) => {
    if (looksLikeJwt(token)) return false;
    const verdict = await options.authThrottle.recordFailure(proxyAddr(req, trusted));
    if (!verdict.throttled) return false;
    logUpgrade(req, 429);
    refuse(
      socket,
      429,
      'auth_throttled',
      `Too many failed authentications from this address; retry in ${verdict.retryAfterSeconds} s.`,
      { 'Retry-After': String(verdict.retryAfterSeconds) },
    );
    return true;
  };

  const accept = async (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const token = credentialOf(req);
    let scope: StreamScope | undefined;
    try {
      scope = token === undefined ? undefined : await authenticate(options, token);
      if (token !== undefined && scope !== undefined) await reader.watch(scope.tenantId);
    } catch (error) {
      logger.warn({ err: error }, 'status stream upgrade failed');
      logUpgrade(req, 503);
      refuse(socket, 503, 'unavailable', 'The status stream cannot be opened now; try again.');
      return;
    }
    if (token === undefined || scope === undefined) {
      if (token !== undefined && (await throttled(req, socket, token))) return;
      logUpgrade(req, 401);
      refuse(
        socket,
        401,
        'unauthorized',
        token === undefined
          ? 'Send "Authorization: Bearer <API key or token>", or the token query parameter.'
          : 'The credential is unknown, revoked or expired.',
      );
      return;
    }
    const tenantId = scope.tenantId;
    if (socket.destroyed) {
      reader.unwatch(tenantId);
      return;
    }
    const tcp = socket;
    wss.handleUpgrade(req, socket, head, (socket) => {
      logUpgrade(req, 101, scope);
      const client = new StreamClient({
        socket,
        transport: tcp,
        scope,
        token,
        reader,
        maxBufferedBytes: options.maxBufferedBytes,
        serialize,
      });
      const clients = byTenant.get(tenantId) ?? new Set();
      clients.add(client);
      byTenant.set(tenantId, clients);
      socket.on('pong', () => (client.alive = true));
      socket.on('message', (data, isBinary) => {
        if (isBinary) client.close(closeCodes.protocol, 'commands are JSON text frames');
        else
          client.receive(
            Buffer.isBuffer(data)
              ? data.toString('utf8')
              : Buffer.concat(toBuffers(data)).toString('utf8'),
          );
      });
      socket.on('error', () => socket.terminate());
      socket.on('close', () => {
        clients.delete(client);
        if (clients.size === 0) byTenant.delete(tenantId);
        reader.unwatch(tenantId);
      });
    });
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.url ?? '').split('?')[0] !== statusStreamPath) {
      refuse(socket, 404, 'not_found', `WebSockets are served at ${statusStreamPath} only.`);
      return;
    }
    socket.on('error', () => socket.destroy());
    void accept(req, socket, head);
  };
  server.on('upgrade', onUpgrade);

  const pinger = setInterval(() => {
    for (const clients of byTenant.values()) {
      for (const client of clients) {
        if (!client.alive) {
          client.socket.terminate();
          continue;
        }
        client.alive = false;
        client.socket.ping();
      }
    }
  }, options.pingIntervalMs);
  pinger.unref();

  /** Checks each distinct credential once, and closes with 4401 the clients it no longer admits. */
  const recheckClients = async (clients: StreamClient[]) => {
    const byToken = Map.groupBy(clients, (client) => client.token);
    for (const [token, holders] of byToken) {
      const scope = await authenticate(options, token).catch(() => 'unknown' as const);
      if (scope === 'unknown') continue; // Postgres is away: judge again next time
      for (const client of holders) {
        if (scope === undefined || scope.tenantId !== client.scope.tenantId) {
          client.close(closeCodes.unauthorized, 'credentials expired or revoked');
        }
      }
    }
  };
  const rechecker = setInterval(() => {
    void recheckClients([...byTenant.values()].flatMap((clients) => [...clients]));
  }, options.recheckIntervalMs);
  rechecker.unref();

  return {
    dispatch(tenantId, events) {
      const clients = byTenant.get(tenantId);
      if (clients === undefined) return;
      if (events.some((event) => event.type === 'credentials.changed')) {
        void recheckClients([...clients]);
      }
      const visible = events.filter((event) => event.type !== 'credentials.changed');
      // The JSON of an event, and the batch frame of them all, are made once, when a first
      // client wants them, for every client.
      const made: (Buffer | undefined)[] = [];
      let whole: { frame: Buffer | undefined } | undefined;
      const payloads: LivePayloads = {
        one: (event, i) => (made[i] ??= serialize(event)),
        all: () =>
          (whole ??= { frame: batchFrame(visible.map((event, i) => payloads.one(event, i))) })
            .frame,
      };
      for (const client of clients) client.deliver(visible, payloads);
    },
    recheck(tenantId) {
      void recheckClients([...(byTenant.get(tenantId) ?? [])]);
    },
    clientCount: () => [...byTenant.values()].reduce((sum, clients) => sum + clients.size, 0),
    async close() {
      server.off('upgrade', onUpgrade);
      clearInterval(pinger);
      clearInterval(rechecker);
      for (const clients of byTenant.values()) {
        for (const client of clients) client.close(closeCodes.goingAway, 'server shutting down');
      }
      reader.close();
      // Clients have a moment to answer the close; the ones that do not are cut off.
      const closed = new Promise<void>((resolve) => wss.close(() => resolve()));
      const timer = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, 2000);
      await closed;
      clearTimeout(timer);
    },
  };
}
