import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { Receiver } from './support/receiver.ts';
import { HttpClient } from './support/http.ts';
import { runProcess, type RunningProcess } from './support/process.ts';
import { databaseUrl } from './support/services.ts';

const running: RunningProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill('SIGKILL');
});

const dataDirs: string[] = [];
afterAll(async () => {
  for (const dir of dataDirs) await rm(dir, { recursive: true, force: true });
});

/** A database, Redis prefix and data directory of its own (where a generated key goes). */
function freshEnv() {
  const name = `${inject('runPrefix')}_life_${randomBytes(4).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'hookrail-life-'));
  dataDirs.push(dataDir);
  return {
    DATABASE_URL: databaseUrl(inject('postgresUrl'), name),
    REDIS_URL: inject('redisUrl'),
    HOOKRAIL_REDIS_PREFIX: `hrtest-life-${randomBytes(4).toString('hex')}`,
    HOOKRAIL_DATA_DIR: dataDir,
    PORT: '0',
  };
}

function start(script: string, env: Record<string, string>): RunningProcess {
  const p = runProcess(script, env);
  running.push(p);
  return p;
}

async function listeningPort(p: RunningProcess): Promise<number> {
  const match = await p.waitFor(/"port":(\d+)/);
  return Number(match[1]);
}

describe('the API process', () => {
  it('creates its database, prints a generated admin token once, and exits 0 on SIGTERM', async () => {
    const env = freshEnv();
    const first = start('apps/api/src/main.ts', env);
    const port = await listeningPort(first);
    const token = (await first.waitFor(/^\s+(hra_\S+)$/m))[1] ?? '';
    const admin = new HttpClient(`http://127.0.0.1:${port}`, token);
    expect((await admin.post('/api/v1/admin/tenants', { name: 'T' })).status).toBe(201);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = start('apps/api/src/main.ts', env);
    const port2 = await listeningPort(second);
    expect(second.output()).not.toMatch(/hra_/);
    const res = await new HttpClient(`http://127.0.0.1:${port2}`, token).get(
      '/api/v1/admin/tenants',
    );
    expect(res.status).toBe(200);
    expect(res.json<{ data: unknown[] }>().data).toHaveLength(1);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(second.output()).not.toContain(token);
  });

  it('refuses to start on invalid configuration, naming the variable', async () => {
    const p = start('apps/api/src/main.ts', {
      ...freshEnv(),
      PORT: 'eighty',
      HOOKRAIL_MAX_BODY: 'huge',
    });
    expect(await p.exited).toBe(78);
    expect(p.output()).toContain('PORT');
    expect(p.output()).toContain('HOOKRAIL_MAX_BODY');
    expect(p.output()).not.toMatch(/\n\s+at /); // no stack trace
  });
});

describe('the worker process and npm start', () => {
  it('the worker starts and exits 0 on SIGTERM', async () => {
    const p = start('apps/worker/src/main.ts', freshEnv());
    await p.waitFor(/worker ready/);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });

  it('npm start runs migrations, the API and the worker in one process, and exits 0 on SIGTERM', async () => {
    const p = start('apps/standalone/src/main.ts', {
      ...freshEnv(),
      HOOKRAIL_ADMIN_TOKEN: 'standalone-admin-token',
    });
    const port = await listeningPort(p);
    await p.waitFor(/worker ready/);
    const health = await new HttpClient(`http://127.0.0.1:${port}`).get('/health');
    expect(health.json()).toEqual({ status: 'ok', postgres: 'ok', redis: 'ok' });
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  });
});

describe('the encryption key', () => {
  it('is generated once when not configured: an API and a worker started together share it', async () => {
    const env = {
      ...freshEnv(),
      HOOKRAIL_ADMIN_TOKEN: 'generated-key-admin-token',
      HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.1/32',
    };
    const receiver = await new Receiver().start();
    try {
      const api = start('apps/api/src/main.ts', env);
      const worker = start('apps/worker/src/main.ts', env);
      const port = await listeningPort(api);
      await worker.waitFor(/worker ready/);
      const files = readdirSync(env.HOOKRAIL_DATA_DIR);
      expect(files).toEqual(['encryption.key']);
      expect(statSync(join(env.HOOKRAIL_DATA_DIR, 'encryption.key')).mode & 0o777).toBe(0o600);
      for (const p of [api, worker])
        expect(p.output()).toContain('HOOKRAIL_ENCRYPTION_KEY is not set');

      // A secret the API sealed is one the worker can open: the delivery verifies.
      const admin = new HttpClient(`http://127.0.0.1:${port}`, env.HOOKRAIL_ADMIN_TOKEN);
      const { apiKey } = (await admin.post('/api/v1/admin/tenants', { name: 'T' })).json<{
        apiKey: string;
      }>();
      const client = new HttpClient(`http://127.0.0.1:${port}`, apiKey);
      const app = (await client.post('/api/v1/app', { name: 'A' })).json<{ id: string }>();
      const ep = (
        await client.post(`/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}/k` })
      ).json<{ id: string }>();
      const { key } = (await client.get(`/api/v1/app/${app.id}/endpoint/${ep.id}/secret`)).json<{
        key: string;
      }>();
      await client.post(`/api/v1/app/${app.id}/msg`, { eventType: 'a.b', payload: { ok: 1 } });
      const [request] = await receiver.waitForRequests(1, '/k');
      if (request === undefined) throw new Error('no request');
      const headers = Object.fromEntries(
        ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((h) => [
          h,
          String(request.headers[h]),
        ]),
      );
      expect(new Webhook(key).verify(request.body, headers)).toEqual({ ok: 1 });
      api.child.kill('SIGTERM');
      worker.child.kill('SIGTERM');
      expect(await Promise.all([api.exited, worker.exited])).toEqual([0, 0]);
    } finally {
      await receiver.close();
    }
  });
});
