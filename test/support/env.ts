import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';
import { databaseUrl } from './services.ts';

export interface TestEnv {
  /** This file's own database, a copy of the migrated template. */
  databaseUrl: string;
  redisUrl: string;
  /**
   * `npm run test:cluster`: the Redis Cluster's nodes (TEST_REDIS_CLUSTER_NODES), which the
   * API and worker of the tests use; `redisUrl` is then one of its nodes.
   */
  redisClusterNodes: string | undefined;
  /** Partitions of the delivery queue (TEST_QUEUE_PARTITIONS). @defaultValue 1 */
  queuePartitions: number;
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

/** The Redis servers of the test run: the one at `redisUrl`, or every node of the cluster. */
function servers(env: TestEnv): Redis[] {
  if (env.redisClusterNodes === undefined)
    return [new Redis(env.redisUrl, { maxRetriesPerRequest: 1 })];
  return env.redisClusterNodes.split(',').map((node) => {
    const colon = node.lastIndexOf(':');
    return new Redis({
      host: node.slice(0, colon),
      port: Number(node.slice(colon + 1)),
      maxRetriesPerRequest: 1,
    });
  });
}

/** Deletes the keys of `prefix`, its delivery queue's partitions (`{prefix#k}`) included. */
async function deleteKeys(env: TestEnv): Promise<void> {
  for (const redis of servers(env)) {
    try {
      for (const pattern of [`{${env.redisPrefix}}*`, `{${env.redisPrefix}#*`]) {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          // One key per DEL: a cluster node refuses a DEL whose keys are in several slots.
          for (const key of keys) await redis.del(key);
          cursor = next;
        } while (cursor !== '0');
      }
    } finally {
      redis.disconnect();
    }
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
    env.redisClusterNodes = process.env.TEST_REDIS_CLUSTER_NODES || undefined;
    env.queuePartitions = Number(process.env.TEST_QUEUE_PARTITIONS || '1');
    env.redisPrefix = `hrtest-${suffix}`;
    env.sql = new pg.Pool({ connectionString: env.databaseUrl, max: 2 });
    // Tests that cut the database off break idle connections; the pool replaces them.
    env.sql.on('error', () => undefined);
  });
  afterAll(async () => {
    await env.sql.end();
    await deleteKeys(env);
  });
  return env;
}

/**
 * The variables that point an API or worker of the tests at the run's Redis: a cluster and
 * partitions under `npm run test:cluster`, nothing more otherwise.
 */
export function redisOverrides(env: TestEnv): Record<string, string> {
  return {
    ...(env.redisClusterNodes !== undefined && { REDIS_CLUSTER_NODES: env.redisClusterNodes }),
    ...(env.queuePartitions > 1 && { HOOKRAIL_QUEUE_PARTITIONS: String(env.queuePartitions) }),
  };
}

/** The encryption key every in-process API and worker of the test run shares. */
export const testEncryptionKey = Buffer.alloc(32, 7).toString('base64');
