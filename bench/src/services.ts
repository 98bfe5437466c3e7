import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { PrivateRedis } from '../../test/support/private-redis.ts';
import { startNode } from './process.ts';

/**
 * The harness's own redis-server on a free loopback port, nothing persisted: the one the
 * fault-injection suite uses, with what the harness reads from it.
 */
export class BenchRedis extends PrivateRedis {
  async command<T>(run: (redis: Redis) => Promise<T>): Promise<T> {
    const client = new Redis(this.url);
    try {
      return await run(client);
    } finally {
      client.disconnect();
    }
  }

  /** Calls per command since the last reset (`INFO commandstats`). */
  async commandCounts(): Promise<Record<string, number>> {
    const info = await this.command((redis) => redis.info('commandstats'));
    const counts: Record<string, number> = {};
    for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
      counts[match[1] ?? ''] = Number(match[2]);
    }
    return counts;
  }
}

/**
 * The harness's databases on the shared Postgres: a template migrated once per run, and a
 * fresh copy of it for every measured run, so that no run inherits another's rows. Names
 * carry a random suffix, so that runs from several checkouts at once never drop each other's.
 */
export class BenchDatabase {
  readonly name: string;
  private readonly template: string;
  private readonly serverUrl: string;

  constructor(serverUrl: string, name = `hookrail_bench_${randomBytes(4).toString('hex')}`) {
    this.serverUrl = serverUrl;
    this.name = name;
    this.template = `${name}_template`;
  }

  url(database = this.name): string {
    const url = new URL(this.serverUrl);
    url.pathname = `/${database}`;
    return url.toString();
  }

  async admin<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.url('postgres') });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  }

  /** Creates the template and runs Hookrail's migrations on it (`npm run migrate`). */
  async prepareTemplate(): Promise<void> {
    await this.admin(async (client) => {
      await client.query(`drop database if exists "${this.name}" with (force)`);
      await client.query(`drop database if exists "${this.template}" with (force)`);
      await client.query(`create database "${this.template}"`);
    });
    const migrate = startNode('migrate', 'packages/db/src/migrate-cli.ts', {
      DATABASE_URL: this.url(this.template),
    });
    const code = await migrate.exited;
    if (code !== 0) throw new Error(`migrations failed (${String(code)}); see ${migrate.logFile}`);
  }

  /** Drops the bench database (whoever is connected) and copies the template anew. */
  async fresh(): Promise<void> {
    await this.admin(async (client) => {
      await client.query(`drop database if exists "${this.name}" with (force)`);
      await client.query(`create database "${this.name}" template "${this.template}"`);
    });
  }

  async query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  /** Process ids of the Postgres backends serving the bench database now. */
  async backendPids(): Promise<number[]> {
    return this.admin(async (client) => {
      const { rows } = await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [this.name],
      );
      return rows.map((row) => row.pid);
    });
  }

  async dropAll(): Promise<void> {
    await this.admin(async (client) => {
      await client.query(`drop database if exists "${this.name}" with (force)`);
      await client.query(`drop database if exists "${this.template}" with (force)`);
    });
  }

  async serverVersion(): Promise<string> {
    return this.admin(async (client) => {
      const { rows } = await client.query<{ v: string }>(
        "select current_setting('server_version') as v",
      );
      return rows[0]?.v ?? 'unknown';
    });
  }
}
