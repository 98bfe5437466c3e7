// Start-up failures a person must fix end the real process with one line naming what to fix
// and exit 78 (EX_CONFIG); every setting points at loopback only.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { jwtSecretSetting, keyCheckSetting, migrateDatabase } from '@hookrail/db';
import { keyCheck, keyId, Vault } from '@hookrail/secrets';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { freePort, PrivateRedis } from './support/private-redis.ts';
import { runProcess, type RunningProcess } from './support/process.ts';
import { databaseUrl } from './support/services.ts';

const running: RunningProcess[] = [];
const servers: Server[] = [];
const redises: PrivateRedis[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) p.child.kill('SIGKILL');
  for (const s of servers.splice(0)) await new Promise((resolve) => s.close(resolve));
  for (const r of redises.splice(0)) await r.stop();
});

function start(script: string, env: Record<string, string>): RunningProcess {
  const p = runProcess(script, {
    REDIS_URL: inject('redisUrl'),
    HOOKRAIL_REDIS_PREFIX: `hrtest-start-${randomBytes(4).toString('hex')}`,
    HOOKRAIL_ENCRYPTION_KEY: Buffer.alloc(32, 9).toString('base64'),
    HOOKRAIL_ADMIN_TOKEN: 'startup-admin-token-0123456789',
    PORT: '0',
    ...env,
  });
  running.push(p);
  return p;
}

/** The one line printed for a start-up failure, after the process exited 78. */
async function failure(p: RunningProcess): Promise<string> {
  expect(await p.exited).toBe(78);
  const lines = p
    .output()
    .split('\n')
    .filter((line) => line.startsWith('Cannot start: '));
  expect(lines).toHaveLength(1);
  expect(p.output()).not.toMatch(/\n\s+at /); // no stack trace
  return lines[0] ?? '';
}

const entryPoints = [
  'apps/api/src/main.ts',
  'apps/worker/src/main.ts',
  'apps/standalone/src/main.ts',
] as const;

const freshDatabase = () =>
  databaseUrl(
    inject('postgresUrl'),
    `${inject('runPrefix')}_start_${randomBytes(4).toString('hex')}`,
  );

const otherKey = Buffer.alloc(32, 7);
const otherVault = new Vault(otherKey);
const jwtSecret = 'startup-jwt-secret-0123456789abcdef';

/** A migrated database of its own holding `settings`, as processes before left it. */
async function installation(settings: Record<string, string>): Promise<string> {
  const url = freshDatabase();
  await migrateDatabase(url);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const [name, value] of Object.entries(settings)) {
      await client.query('insert into settings (name, value) values ($1, $2)', [name, value]);
    }
  } finally {
    await client.end();
  }
  return url;
}

async function readSettings(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; value: string }>(
      'select name, value from settings order by name',
    );
    return Object.fromEntries(rows.map((row) => [row.name, row.value]));
  } finally {
    await client.end();
  }
}

/** Starts `script`, waits until it is ready, and stops it with SIGTERM (exit 0). */
async function startsAndStops(script: string, env: Record<string, string>, ready: RegExp) {
  const p = start(script, env);
  await p.waitFor(ready);
  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
}

async function busyPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

describe('a process that cannot start', () => {
  it('names a Postgres user that does not exist, without the password', async () => {
    const url = new URL(freshDatabase());
    url.username = 'hookrail_no_such_role';
    url.password = 'not-the-password-42';
    const line = await failure(start('apps/api/src/main.ts', { DATABASE_URL: url.toString() }));
    expect(line).toContain('user "hookrail_no_such_role"');
    expect(line).toContain('DATABASE_URL');
    expect(line).not.toContain('not-the-password-42');
  });

  it('says how to create a missing database its user may not create', async () => {
    const role = `hrtest_nocreate_${randomBytes(4).toString('hex')}`;
    const admin = new URL(databaseUrl(inject('postgresUrl'), 'postgres'));
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(`create role ${role} login nocreatedb password 'pw-${role}'`);
      const url = new URL(freshDatabase());
      url.username = role;
      url.password = `pw-${role}`;
      const line = await failure(
        start('apps/worker/src/main.ts', { DATABASE_URL: url.toString() }),
      );
      expect(line).toMatch(
        /database "[^"]+" does not exist and user "hrtest_nocreate_\w+" cannot create it/,
      );
      expect(line).toContain('createdb');
      expect(line).not.toContain(`pw-${role}`);
    } finally {
      await client.query(`drop role if exists ${role}`);
      await client.end();
    }
  });

  it('gives up on an unreachable Postgres after HOOKRAIL_STARTUP_WAIT', async () => {
    const port = await freePort();
    const redisUrl = new URL(inject('redisUrl'));
    redisUrl.password = 'redis-secret-pw';
    const p = start('apps/worker/src/main.ts', {
      DATABASE_URL: `postgres://postgres:secret-pw@127.0.0.1:${port}/hookrail`,
      REDIS_URL: redisUrl.toString(),
      HOOKRAIL_STARTUP_WAIT: '1s',
    });
    const line = await failure(p);
    expect(line).toContain(`Postgres at 127.0.0.1:${port} could not be reached`);
    expect(p.output()).toContain('postgres unreachable at start-up; retrying');
    expect(p.output()).not.toContain('secret-pw');
  });

  it('names a user that may not connect to the database, and what to grant', async () => {
    const role = `hrtest_noconnect_${randomBytes(4).toString('hex')}`;
    const url = new URL(freshDatabase());
    const database = url.pathname.slice(1);
    const admin = new pg.Client({
      connectionString: databaseUrl(inject('postgresUrl'), 'postgres'),
    });
    await admin.connect();
    try {
      await admin.query(`create role ${role} login password 'pw-${role}'`);
      await admin.query(`create database "${database}"`);
      await admin.query(`revoke connect on database "${database}" from public`);
      url.username = role;
      url.password = `pw-${role}`;
      const line = await failure(start('apps/api/src/main.ts', { DATABASE_URL: url.toString() }));
      expect(line).toContain(`user "${role}" may not use database "${database}"`);
      expect(line).toContain('grant it CONNECT and CREATE');
      expect(line).not.toContain(`pw-${role}`);
    } finally {
      await admin.query(`drop database if exists "${database}" with (force)`);
      await admin.query(`drop role if exists ${role}`);
      await admin.end();
    }
  });

  // From before the key check: a process with another key must not be the first to seal it.
  it.each(entryPoints)(
    '%s names HOOKRAIL_ENCRYPTION_KEY when the stored secrets were encrypted with another key',
    async (script) => {
      // As the first API of an installation whose key was another one left it.
      const url = await installation({ [jwtSecretSetting]: otherVault.seal(randomBytes(32)) });
      const line = await failure(start(script, { DATABASE_URL: url }));
      expect(line).toContain(`sealed with key ${keyId(otherKey)}`);
      expect(line).toContain('set HOOKRAIL_ENCRYPTION_KEY to the key they were encrypted with');
      expect(Object.keys(await readSettings(url))).toEqual([jwtSecretSetting]);
    },
  );

  it.each(entryPoints)(
    '%s names HOOKRAIL_ENCRYPTION_KEY when HOOKRAIL_JWT_SECRET is set and the key check was sealed with another key',
    async (script) => {
      const url = await installation({ [keyCheckSetting]: keyCheck(otherVault).seal() });
      const line = await failure(
        start(script, { DATABASE_URL: url, HOOKRAIL_JWT_SECRET: jwtSecret }),
      );
      expect(line).toContain(`sealed with key ${keyId(otherKey)}`);
      expect(line).toContain('set HOOKRAIL_ENCRYPTION_KEY to the key they were encrypted with');
    },
  );

  it.each(entryPoints)(
    '%s names HOOKRAIL_ENCRYPTION_KEY when HOOKRAIL_JWT_SECRET is set, there is no key check yet and the endpoint secrets were encrypted with another key',
    async (script) => {
      // As an installation upgraded from before the key check, its JWT secret configured.
      const url = await installation({});
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`insert into tenants (id, name) values ('tnt_upgraded', 'upgraded')`);
        await client.query(
          `insert into applications (id, tenant_id, name) values ('app_upgraded', 'tnt_upgraded', 'a')`,
        );
        await client.query(
          `insert into endpoints (id, tenant_id, app_id, url)
           values ('ep_upgraded', 'tnt_upgraded', 'app_upgraded', 'http://127.0.0.1:9/')`,
        );
        await client.query(
          `insert into endpoint_secrets (id, tenant_id, endpoint_id, kind, key)
           values ('whsec_upgraded', 'tnt_upgraded', 'ep_upgraded', 'hmac', $1)`,
          [otherVault.seal(randomBytes(24))],
        );
      } finally {
        await client.end();
      }
      const line = await failure(
        start(script, { DATABASE_URL: url, HOOKRAIL_JWT_SECRET: jwtSecret }),
      );
      expect(line).toContain(`sealed with key ${keyId(otherKey)}`);
      expect(line).toContain('set HOOKRAIL_ENCRYPTION_KEY to the key they were encrypted with');
      // Not sealed by the process with the wrong key, which would lock out the right ones.
      expect(await readSettings(url)).toEqual({});
    },
  );

  it.each(entryPoints)('%s stops at once on SIGTERM while waiting for Postgres', async (script) => {
    const port = await freePort();
    const p = start(script, {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/hookrail`,
      HOOKRAIL_STARTUP_WAIT: '1h',
    });
    await p.waitFor(/postgres unreachable at start-up; retrying/);
    p.child.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(p.output()).toContain('stopped during start-up');
  });

  // With HOOKRAIL_STARTUP_WAIT at an hour, only a check made before the wait can end these.
  it.each([
    ['apps/api/src/main.ts', 'PORT'],
    ['apps/standalone/src/main.ts', 'PORT'],
    ['apps/worker/src/main.ts', 'HOOKRAIL_WORKER_METRICS_PORT'],
  ] as const)(
    '%s names %s in use at once, without waiting for an unreachable Postgres',
    async (script, variable) => {
      const port = await busyPort();
      const p = start(script, {
        DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/hookrail`,
        HOOKRAIL_STARTUP_WAIT: '1h',
        [variable]: String(port),
      });
      expect(await failure(p)).toContain(`port ${port} is already in use (${variable})`);
      expect(p.output()).not.toContain('postgres unreachable');
    },
  );

  it('names PORT when the port is in use, in the API and in npm start', async () => {
    for (const script of ['apps/api/src/main.ts', 'apps/standalone/src/main.ts']) {
      const port = await busyPort();
      const line = await failure(
        start(script, { DATABASE_URL: freshDatabase(), PORT: String(port) }),
      );
      expect(line).toContain(`port ${port} is already in use (PORT)`);
    }
  });

  it("names HOOKRAIL_WORKER_METRICS_PORT when the worker's metrics port is in use", async () => {
    const port = await busyPort();
    const line = await failure(
      start('apps/worker/src/main.ts', {
        DATABASE_URL: freshDatabase(),
        HOOKRAIL_WORKER_METRICS_PORT: String(port),
      }),
    );
    expect(line).toContain(`port ${port} is already in use (HOOKRAIL_WORKER_METRICS_PORT)`);
  });
});

describe('the key check, where HOOKRAIL_JWT_SECRET is set (nothing else sealed to open at start)', () => {
  it('is sealed by the first process; another key is refused, a previous key opens it, and after re-encryption the new key alone does', async () => {
    const url = await installation({});
    const oldKey = otherKey.toString('base64');
    const newKey = Buffer.alloc(32, 9).toString('base64');
    const withJwt = { DATABASE_URL: url, HOOKRAIL_JWT_SECRET: jwtSecret };
    await startsAndStops(
      'apps/api/src/main.ts',
      { ...withJwt, HOOKRAIL_ENCRYPTION_KEY: oldKey },
      /api listening/,
    );
    const sealed = (await readSettings(url))[keyCheckSetting];
    expect(sealed).toMatch(new RegExp(`^enc:v1:${keyId(otherKey)}:`));

    const worker = 'apps/worker/src/main.ts';
    const line = await failure(start(worker, { ...withJwt, HOOKRAIL_ENCRYPTION_KEY: newKey }));
    expect(line).toContain(`sealed with key ${keyId(otherKey)}`);
    expect(line).toContain('set HOOKRAIL_ENCRYPTION_KEY to the key they were encrypted with');
    expect((await readSettings(url))[keyCheckSetting]).toBe(sealed);

    const rotating = {
      ...withJwt,
      HOOKRAIL_ENCRYPTION_KEY: newKey,
      HOOKRAIL_PREVIOUS_ENCRYPTION_KEYS: oldKey,
    };
    await startsAndStops(worker, rotating, /worker ready/);
    const reencrypt = start('apps/worker/src/reencrypt-main.ts', rotating);
    expect(await reencrypt.exited).toBe(0);
    expect(reencrypt.output()).toContain('"settings":1');
    await startsAndStops(worker, { ...withJwt, HOOKRAIL_ENCRYPTION_KEY: newKey }, /worker ready/);
    await startsAndStops(
      'apps/api/src/main.ts',
      { ...withJwt, HOOKRAIL_ENCRYPTION_KEY: newKey },
      /api listening/,
    );
  }, 90_000);
});

describe('a password in DATABASE_URL, REDIS_URL or REDIS_CLUSTER_NODES', () => {
  it.each([
    ...entryPoints,
    'apps/worker/src/reencrypt-main.ts',
    'packages/db/src/migrate-cli.ts',
  ] as const)('is hidden where %s quotes them as invalid', async (script) => {
    const p = start(script, {
      DATABASE_URL: 'postgres://hookrail:db-pw-4417@127.0.0.1:notaport/hookrail',
      REDIS_URL: 'http://:redis-pw-8823@127.0.0.1:6379',
      REDIS_CLUSTER_NODES: 'admin:cluster-pw-1190@127.0.0.1:7000',
    });
    expect(await p.exited).toBe(78);
    const output = p.output();
    expect(output).toContain('DATABASE_URL');
    expect(output).toContain('(got "postgres://hookrail:***@127.0.0.1:notaport/hookrail")');
    expect(output).toContain('(got "http://:***@127.0.0.1:6379")');
    expect(output).toContain('(got "admin:***@127.0.0.1:7000")');
    for (const password of ['db-pw-4417', 'redis-pw-8823', 'cluster-pw-1190']) {
      expect(output).not.toContain(password);
    }
  });

  it('is not logged when Redis refuses it', async () => {
    const redis = new PrivateRedis({ password: 'the-right-redis-pw' });
    redises.push(redis);
    await redis.start();
    const p = start('apps/api/src/main.ts', {
      DATABASE_URL: freshDatabase(),
      REDIS_URL: `redis://:not-the-redis-pw@127.0.0.1:${redis.port}`,
    });
    await p.waitFor(/WRONGPASS/, 60_000);
    expect(p.output()).toContain('redis connection error');
    expect(p.output()).not.toContain('not-the-redis-pw');
  });
});
