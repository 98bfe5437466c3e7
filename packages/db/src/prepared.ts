import type { SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { Db, DbOrTx } from './client.ts';

const dialect = new PgDialect();

/**
 * Dates, times and intervals as the text Postgres sent, as drizzle's `execute` gives them, so
 * that a statement's rows look the same whichever way it was sent.
 */
const asText = new Set<number>([1082, 1114, 1184, 1186, 1115, 1182, 1185, 1187, 1231]);
const types: pg.CustomTypesConfig = {
  getTypeParser: (id, format) =>
    asText.has(id) ? (value: string) => value : (pg.types.getTypeParser(id, format) as unknown),
};

/**
 * Runs a hot-path statement as a named prepared statement when `db` is the pool: each
 * connection parses and plans it once and, after Postgres's first few runs, reuses a generic
 * plan. The statements of ingest, the claim and the results are long (several CTEs and
 * joins): planning one anew every time cost Postgres about as much as running it for a
 * message or two (0.5 ms against 0.7 ms for ingest's, EXPLAIN ANALYZE). `name` must stand for
 * one text: a statement whose text varies (an optional CTE) takes one name per variant.
 *
 * In a transaction (`Tx`) the statement goes unnamed through drizzle, as every other one does.
 * Through PgBouncer in transaction mode, named statements need PgBouncer 1.21 or later with
 * `max_prepared_statements` above 0 (docs/scaling.md).
 */
export async function executePrepared<T extends pg.QueryResultRow>(
  db: DbOrTx,
  name: string,
  query: SQL,
): Promise<pg.QueryResult<T>> {
  if (!isPool(db)) return (await db.execute<T>(query)) as pg.QueryResult<T>;
  const { sql: text, params } = dialect.sqlToQuery(query);
  return db.$client.query<T>({ name, text, values: params, types });
}

function isPool(db: DbOrTx): db is Db {
  return '$client' in db;
}
