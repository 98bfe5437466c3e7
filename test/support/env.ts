import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { databaseUrl } from './services.ts';

export interface TestEnv {
  /** This file's own database, a copy of the migrated template. */
  databaseUrl: string;
  redisUrl: string;
  /** This file's own Redis key prefix (keys are `{prefix}:...`). */
  redisPrefix: string;
  /** A connection to this file's database, for checking what was written. */
  sql: pg.Pool;
}

async function createDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: databaseUrl(inject('postgresUrl'), 'postgres') });
  await admin.connect();
  try {
    await admin.query(`create database "${name}" template "${inject('templateDatabase')}"`);
  } finally {
    await admin.end();
  }
}

async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * Gives the calling test file a database and a Redis prefix of its own, so that files run in
 * parallel without seeing each other. Read the fields inside tests or hooks, not at load time.
 */
export function useTestEnv(): TestEnv {
  const env = {} as TestEnv; // filled in by beforeAll, before any test reads it
  beforeAll(async () => {
    const suffix = randomBytes(5).toString('hex');
    const name = `${inject('runPrefix')}_${suffix}`;
    await createDatabase(name);
    env.databaseUrl = databaseUrl(inject('postgresUrl'), name);
    env.redisUrl = inject('redisUrl');
    env.redisPrefix = `hrtest-${suffix}`;
    env.sql = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
    // Tests that cut the database off break idle connections; the pool replaces them.
    env.sql.on('error', () => undefined);
  });
  afterAll(async () => {
    await env.sql.end();
    await deleteKeys(env.redisUrl, env.redisPrefix);
  });
  return env;
}

/** The encryption key every in-process API and worker of the test run shares. */
export const testEncryptionKey = Buffer.alloc(32, 7).toString('base64');
