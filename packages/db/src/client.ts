import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as schema from './schema/index.ts';

export type Schema = typeof schema;
/** The database, over a pool (`$client`: ingest sends its one statement to the pool itself). */
export type Db = NodePgDatabase<Schema> & { $client: pg.Pool };
/** A transaction handle; query helpers accept either and never start one of their own. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface DatabaseOptions {
  url: string;
  /** Connections in the pool. @defaultValue 10 */
  max?: number;
  /** Shown in pg_stat_activity. @defaultValue 'hookrail' */
  applicationName?: string;
  /** How long to wait for a connection before failing. @defaultValue 5000 */
  connectionTimeoutMs?: number;
  /** Called when an idle connection breaks (server restart); the pool replaces it. */
  onIdleError?: (error: Error) => void;
}

export interface Database {
  db: Db;
  pool: pg.Pool;
  /** Resolves when Postgres answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function createDatabase(options: DatabaseOptions): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'hookrail',
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 5000,
    idleTimeoutMillis: 30_000,
  });
  // Without listeners, a connection dropped by the server would crash the process: the pool
  // reports an idle one; a checked-out one reports on itself, and its query fails anyway.
  // Either way the pool discards the broken connection and opens a new one when needed.
  pool.on('error', (error) => options.onIdleError?.(error));
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzle(pool, { schema });
  let closed = false;
  return {
    db,
    pool,
    async ping() {
      await pool.query('select 1');
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
