import { existsSync } from 'node:fs';
import pg from 'pg';
import { Redis } from 'ioredis';

/** Where the test run's Postgres server and Redis are, and how to stop any we started. */
export interface TestServices {
  /** A URL of the Postgres server; tests replace the database name. */
  postgresUrl: string;
  redisUrl: string;
  stop(): Promise<void>;
}

const localPostgres = 'postgres://postgres@127.0.0.1:5432/postgres';
const localRedis = 'redis://127.0.0.1:6379';

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisAnswers(url: string): Promise<boolean> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return true;
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

function dockerAvailable(): boolean {
  return process.env.DOCKER_HOST !== undefined || existsSync('/var/run/docker.sock');
}

/**
 * Finds Postgres and Redis for the tests: the URLs in TEST_DATABASE_URL / DATABASE_URL and
 * TEST_REDIS_URL / REDIS_URL when set, else the local defaults when they answer, else
 * containers when a Docker engine is available; otherwise fails, naming what is missing.
 */
export async function resolveServices(): Promise<TestServices> {
  const stops: (() => Promise<void>)[] = [];
  const postgresGiven = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  const redisGiven = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL;

  let postgresUrl: string | undefined;
  if (postgresGiven !== undefined) {
    if (!(await postgresAnswers(postgresGiven))) {
      throw new Error(
        `Tests: the Postgres in ${process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL' : 'DATABASE_URL'} does not answer.`,
      );
    }
    postgresUrl = postgresGiven;
  } else if (await postgresAnswers(localPostgres)) {
    postgresUrl = localPostgres;
  }

  let redisUrl: string | undefined;
  if (redisGiven !== undefined) {
    if (!(await redisAnswers(redisGiven))) {
      throw new Error(
        `Tests: the Redis in ${process.env.TEST_REDIS_URL ? 'TEST_REDIS_URL' : 'REDIS_URL'} does not answer.`,
      );
    }
    redisUrl = redisGiven;
  } else if (await redisAnswers(localRedis)) {
    redisUrl = localRedis;
  }

  if ((postgresUrl === undefined || redisUrl === undefined) && dockerAvailable()) {
    const { GenericContainer, Wait } = await import('testcontainers');
    if (postgresUrl === undefined) {
      const container = await new GenericContainer('postgres:17-alpine')
        .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: 'trust' })
        .withExposedPorts(5432)
        .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
        .start();
      stops.push(async () => {
        await container.stop();
      });
      postgresUrl = `postgres://postgres@${container.getHost()}:${container.getMappedPort(5432)}/postgres`;
    }
    if (redisUrl === undefined) {
      const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
      stops.push(async () => {
        await container.stop();
      });
      redisUrl = `redis://${container.getHost()}:${container.getMappedPort(6379)}`;
    }
  }

  const missing = [
    postgresUrl === undefined &&
      'PostgreSQL (set TEST_DATABASE_URL or DATABASE_URL, or start one on 127.0.0.1:5432)',
    redisUrl === undefined &&
      'Redis (set TEST_REDIS_URL or REDIS_URL, or start one on 127.0.0.1:6379)',
  ].filter((m): m is string => typeof m === 'string');
  if (postgresUrl === undefined || redisUrl === undefined) {
    await Promise.all(stops.map((stop) => stop()));
    throw new Error(
      `Tests need ${missing.join(' and ')}; no Docker engine was found for testcontainers either.`,
    );
  }
  return {
    postgresUrl,
    redisUrl,
    async stop() {
      await Promise.all(stops.map((stop) => stop()));
    },
  };
}

/** The same server, another database. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
