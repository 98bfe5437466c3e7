// Reference for delivery: the naive pipeline someone writes in an afternoon. Ingest is an
// express route that inserts the message and adds a BullMQ job; the worker, one job per
// delivery, POSTs the payload with undici.request and inserts one attempt row. No signing,
// claims, retries policy, gate or breaker: Hookrail is measured as a ratio to it.
// It imports bullmq and pg directly, as such code would; Hookrail's own code never does.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Queue, Worker } from 'bullmq';
import express from 'express';
import { Redis } from 'ioredis';
import pg from 'pg';
import { request } from 'undici';
import { payload } from './load.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const target = env('NAIVE_TARGET_URL');
const concurrency = Number(env('NAIVE_CONCURRENCY'));
const connection = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null });
const db = new pg.Pool({ connectionString: env('DATABASE_URL'), max: 20 });
const prefix = '{naive}';

await db.query(`create table if not exists naive_messages (id text primary key, body jsonb not null,
  created_at timestamptz not null default now())`);
await db.query(`create table if not exists naive_attempts (id bigserial primary key,
  message_id text not null, status int not null, duration_ms int not null,
  created_at timestamptz not null default now())`);

interface Job {
  id: string;
  body: unknown;
}
const queue = new Queue<Job>('deliveries', { connection, prefix });
let worker: Worker<Job> | undefined;

function startWorker(): void {
  worker = new Worker<Job>(
    'deliveries',
    async (job) => {
      const started = Date.now();
      const res = await request(target, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'webhook-id': job.data.id },
        body: JSON.stringify(job.data.body),
      });
      await res.body.dump();
      await db.query(
        'insert into naive_attempts (message_id, status, duration_ms) values ($1, $2, $3)',
        [job.data.id, res.statusCode, Date.now() - started],
      );
    },
    {
      connection,
      prefix,
      concurrency,
      removeOnComplete: { count: 0 },
      removeOnFail: { count: 1000 },
    },
  );
}

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/msg', async (req, res) => {
  const id = randomUUID();
  const body = (req.body as { payload?: unknown }).payload ?? null;
  await db.query('insert into naive_messages (id, body) values ($1, $2)', [
    id,
    JSON.stringify(body),
  ]);
  await queue.add('deliver', { id, body }, { removeOnComplete: true });
  res.status(202).json({ id });
});
// A backlog without the HTTP ingest: n jobs added in bulk (the drain is what is measured).
app.post('/__fill', async (req, res) => {
  const n = Number(req.query.n);
  for (let i = 0; i < n; i += 1000) {
    const jobs = Array.from({ length: Math.min(1000, n - i) }, (_, k) => ({
      name: 'deliver',
      data: { id: `naive-${i + k}`, body: payload(i + k) },
      opts: { removeOnComplete: true },
    }));
    await queue.addBulk(jobs);
  }
  res.json({ added: n });
});
app.post('/__start', (_req, res) => {
  if (worker === undefined) startWorker();
  res.json({});
});
const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => {
  void (async () => {
    server.close();
    server.closeAllConnections();
    await worker?.close();
    await queue.close();
    await db.end();
    connection.disconnect();
    process.exit(0);
  })();
});
