import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { HttpClient } from './support/http.ts';
import { runProcess, type RunningProcess } from './support/process.ts';
import { databaseUrl } from './support/services.ts';

const running: RunningProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill('SIGKILL');
});

function freshEnv(): Record<string, string> {
  const name = `${inject('runPrefix')}_life_${randomBytes(4).toString('hex')}`;
  return {
    DATABASE_URL: databaseUrl(inject('postgresUrl'), name),
    REDIS_URL: inject('redisUrl'),
    HOOKRAIL_REDIS_PREFIX: `hrtest-life-${randomBytes(4).toString('hex')}`,
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
