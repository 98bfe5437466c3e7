import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const env = useTestEnv();
const api = useTestApi(env);
useTestWorker(env, { HOOKRAIL_REQUEST_TIMEOUT: '1', HOOKRAIL_RETRY_SCHEDULE: 'none' });

const sockets = new Set<Socket>();
const timers = new Set<NodeJS.Timeout>();
let http: HttpServer;
let tcp: TcpServer;
let httpUrl = '';
let tcpUrl = '';

beforeAll(async () => {
  http = createHttpServer((req, res) => {
    req.resume();
    if (req.url === '/endless') {
      // An endless body: 64 KiB chunks for as long as anyone reads.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = Buffer.alloc(64 * 1024, 'x');
      const pump = () => {
        while (res.write(chunk)) {
          if (res.destroyed) return;
        }
        res.once('drain', pump);
      };
      pump();
    } else if (req.url === '/trickle') {
      // Headers at once, then one byte every 200 ms.
      res.writeHead(200, { 'content-type': 'text/plain' });
      const timer = setInterval(() => res.write('.'), 200);
      timers.add(timer);
      res.on('close', () => clearInterval(timer));
    } else if (req.url === '/huge-headers') {
      res.writeHead(200, { 'x-filler': 'y'.repeat(200 * 1024) });
      res.end('ok');
    } else if (req.url === '/binary') {
      res.writeHead(500, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from([0x00, 0xff, 0xfe, 0x41, 0x00, 0xc3]));
    }
  });
  http.on('connection', (socket) => sockets.add(socket));
  http.listen(0, '127.0.0.1');
  await once(http, 'listening');
  httpUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;

  // Raw TCP: /silent reads the request and never answers; /reset closes the connection at once.
  tcp = createTcpServer((socket) => {
    sockets.add(socket);
    socket.once('data', (data) => {
      if (data.toString().startsWith('POST /reset')) socket.resetAndDestroy();
    });
  });
  tcp.listen(0, '127.0.0.1');
  await once(tcp, 'listening');
  tcpUrl = `http://127.0.0.1:${(tcp.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const timer of timers) clearInterval(timer);
  for (const socket of sockets) socket.destroy();
  await Promise.all([new Promise((r) => http.close(r)), new Promise((r) => tcp.close(r))]);
});

let client: HttpClient;
let appId: string;
beforeAll(async () => {
  client = (await api.newTenant()).client;
  appId = (await client.post('/api/v1/app', { name: 'Hostile' })).json<{ id: string }>().id;
});

interface Attempt {
  responseStatusCode: number;
  response: string;
  responseDurationMs: number;
  status: number;
  error: string | null;
}

async function attemptAgainst(url: string): Promise<Attempt> {
  const ep = (await client.post(`/api/v1/app/${appId}/endpoint`, { url })).json<{ id: string }>();
  await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: {} });
  const attempt = await waitFor(`an attempt against ${url}`, async () => {
    const list = (await client.get(`/api/v1/app/${appId}/attempt/endpoint/${ep.id}`)).json<{
      data: Attempt[];
    }>();
    return list.data[0];
  });
  await client.delete(`/api/v1/app/${appId}/endpoint/${ep.id}`);
  return attempt;
}

describe('hostile receivers cost bounded memory and at most the timeout', () => {
  it('an endless body: the first 4 KiB are kept and the rest is cut off', async () => {
    const attempt = await attemptAgainst(`${httpUrl}/endless`);
    expect(attempt).toMatchObject({ responseStatusCode: 200, status: 0, error: null });
    expect(attempt.response).toBe('x'.repeat(4096));
  });

  it('a body trickled a byte at a time: a timeout, with what arrived', async () => {
    const attempt = await attemptAgainst(`${httpUrl}/trickle`);
    expect(attempt).toMatchObject({
      responseStatusCode: 200,
      status: 2,
      error: expect.stringMatching(/^timeout: .*reading the response body/),
    });
    expect(attempt.response).toMatch(/^\.+$/);
    expect(attempt.responseDurationMs).toBeGreaterThanOrEqual(1000);
  });

  it('no answer at all: a timeout waiting for the response', async () => {
    const attempt = await attemptAgainst(`${tcpUrl}/silent`);
    expect(attempt).toMatchObject({
      responseStatusCode: 0,
      status: 2,
      error: expect.stringMatching(/^timeout: .*waiting for a response/),
    });
  });

  it('a connection reset: recorded as such', async () => {
    const attempt = await attemptAgainst(`${tcpUrl}/reset`);
    expect(attempt).toMatchObject({
      responseStatusCode: 0,
      status: 2,
      error: expect.stringMatching(/^connection_reset: /),
    });
  });

  it('oversized headers: refused by the client, recorded as a failure', async () => {
    const attempt = await attemptAgainst(`${httpUrl}/huge-headers`);
    expect(attempt).toMatchObject({
      responseStatusCode: 0,
      status: 2,
      error: expect.stringMatching(/^network_error: .*[Hh]eader/),
    });
  });

  it('a binary body with NUL bytes: stored safely as text', async () => {
    const attempt = await attemptAgainst(`${httpUrl}/binary`);
    expect(attempt).toMatchObject({ responseStatusCode: 500, status: 2 });
    expect(attempt.response).not.toContain('\u0000');
    expect(attempt.response).toContain('A');
  });
});
