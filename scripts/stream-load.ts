// Many clients on the status stream: starts an API process, connects STREAM_LOAD_CLIENTS
// WebSocket clients (default 1,000) to it, appends a steady flow of events to their tenant's
// stream, and reports the API's memory per connection and the events' latency (append to
// receipt, across every client). Fails when a client misses an event or is closed.
//
//   npm run stream:load                       # 1,000 clients, 20 events/s for 10 s
//   STREAM_LOAD_CLIENTS=50 npm run stream:load
//
// Needs Postgres and Redis (DATABASE_URL, REDIS_URL, or the local defaults); it uses a database
// and a Redis prefix of its own.
import { createRedis, createStatusPublisher, waitUntilReady } from '@hookrail/queue';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';

export interface StreamLoadOptions {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  clients: number;
  /** Events appended per second. */
  rate: number;
  seconds: number;
  log?: (line: string) => void;
}

export interface StreamLoadReport {
  clients: number;
  events: number;
  /** Deliveries of an event to a client: events × clients when nothing was missed. */
  received: number;
  missed: number;
  closed: number;
  /** Growth of the API's resident memory with the clients connected, per client. */
  memoryPerClientKiB: number;
  latencyMs: { p50: number; p99: number; max: number };
}

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const adminToken = `stream-load-admin-${randomBytes(8).toString('hex')}`;

function residentKiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

export async function runStreamLoad(options: StreamLoadOptions): Promise<StreamLoadReport> {
  const log = options.log ?? (() => undefined);
  const api = spawn(process.execPath, ['apps/api/src/main.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      HOOKRAIL_REDIS_PREFIX: options.redisPrefix,
      HOOKRAIL_ADMIN_TOKEN: adminToken,
      HOOKRAIL_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
      HOOKRAIL_LOG_LEVEL: 'info',
      PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const redis = createRedis({ url: options.redisUrl, role: 'producer' });
  const sockets: WebSocket[] = [];
  try {
    let output = '';
    api.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const port = await new Promise<string>((resolve, reject) => {
      const check = () => {
        const match = /"port":(\d+)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      };
      api.stdout.on('data', check);
      api.once('exit', (code) => reject(new Error(`the API exited (${code}):\n${output}`)));
    });
    const base = `http://127.0.0.1:${port}`;
    const created = await fetch(`${base}/api/v1/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'stream load' }),
    });
    const tenant = (await created.json()) as { id: string; apiKey: string };
    // One warm-up client makes the process load everything a connection needs.
    const received = new Array<number>(options.clients).fill(0);
    const latencies: number[] = [];
    let closed = 0;
    const open = async (index: number) => {
      const socket = new WebSocket(`${base.replace('http', 'ws')}/api/v1/status-stream`, {
        headers: { authorization: `Bearer ${tenant.apiKey}` },
      });
      await once(socket, 'open');
      const subscribed = new Promise<void>((resolve) => {
        socket.on('message', (data: Buffer) => {
          const message = JSON.parse(data.toString('utf8')) as {
            type: string;
            data?: { sentAt?: number };
          };
          if (message.type === 'subscribed') resolve();
          if (message.data?.sentAt === undefined || index < 0) return;
          received[index] = (received[index] ?? 0) + 1;
          latencies.push(Date.now() - message.data.sentAt);
        });
      });
      socket.on('close', (code) => {
        if (code !== 1000 && code !== 1005) closed += 1;
      });
      socket.send(JSON.stringify({ type: 'subscribe' }));
      await subscribed;
      return socket;
    };
    sockets.push(await open(-1));
    const before = residentKiB(api.pid ?? 0);
    for (let i = 0; i < options.clients; i += 100) {
      const batch = Array.from({ length: Math.min(100, options.clients - i) }, (_, j) =>
        open(i + j),
      );
      sockets.push(...(await Promise.all(batch)));
    }
    const after = residentKiB(api.pid ?? 0);
    log(`${options.clients} clients connected and subscribed`);

    await waitUntilReady(redis, 5000);
    const publisher = createStatusPublisher({
      connection: redis,
      settings: { prefix: options.redisPrefix, windowMs: 600_000, maxLen: 100_000 },
    });
    const total = Math.round(options.rate * options.seconds);
    const tickMs = 50;
    const perTick = Math.max(1, Math.round((options.rate * tickMs) / 1000));
    let sent = 0;
    while (sent < total) {
      const started = Date.now();
      const count = Math.min(perTick, total - sent);
      publisher.publish(
        Array.from({ length: count }, (_, i) => ({
          tenantId: tenant.id,
          type: 'attempt.started' as const,
          data: { msgId: `load-${sent + i}`, sentAt: Date.now() },
        })),
      );
      sent += count;
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, tickMs - (Date.now() - started))),
      );
    }
    await publisher.flush();
    // Wait (bounded) until every client has every event, or stops receiving.
    const expected = total * options.clients;
    const sum = () => received.reduce((a, b) => a + b, 0);
    for (let last = -1, deadline = Date.now() + 30_000; Date.now() < deadline;) {
      const now = sum();
      if (now === expected || (now === last && closed > 0)) break;
      last = now;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    latencies.sort((a, b) => a - b);
    const report: StreamLoadReport = {
      clients: options.clients,
      events: total,
      received: sum(),
      missed: expected - sum(),
      closed,
      memoryPerClientKiB: Math.round(((after - before) / options.clients) * 10) / 10,
      latencyMs: {
        p50: percentile(latencies, 0.5),
        p99: percentile(latencies, 0.99),
        max: latencies.at(-1) ?? 0,
      },
    };
    return report;
  } finally {
    for (const socket of sockets) socket.terminate();
    redis.disconnect();
    if (api.exitCode === null && api.signalCode === null) {
      const exited = once(api, 'exit');
      api.kill('SIGTERM');
      await exited;
    }
  }
}

if (import.meta.main) {
  const databaseUrl =
    process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/hookrail_stream_load';
  const report = await runStreamLoad({
    databaseUrl,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: `stream-load-${randomBytes(4).toString('hex')}`,
    clients: Number(process.env.STREAM_LOAD_CLIENTS ?? 1000),
    rate: Number(process.env.STREAM_LOAD_RATE ?? 20),
    seconds: Number(process.env.STREAM_LOAD_SECONDS ?? 10),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  process.exitCode = report.missed === 0 && report.closed === 0 ? 0 : 1;
}
