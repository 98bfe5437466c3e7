import { describe, expect, it } from 'vitest';
import { useTestEnv } from '../../../test/support/env.ts';
import { createDatabase } from '../src/index.ts';

const env = useTestEnv();

describe('the connection pool', () => {
  it('survives the server dropping a connection that is checked out, and replaces it', async () => {
    const idleErrors: Error[] = [];
    const database = createDatabase({
      url: env.databaseUrl,
      max: 1,
      onIdleError: (error) => idleErrors.push(error),
    });
    try {
      // Checked out and idle inside a transaction, as between two statements of one.
      const client = await database.pool.connect();
      await client.query('begin');
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      const ended = new Promise((resolve) => client.once('end', resolve));
      await env.sql.query('select pg_terminate_backend($1)', [rows[0]?.pid]);
      // The server's goodbye arrives as an 'error' event on the client before it ends: with
      // no listener there, the process would have crashed by now.
      await ended;
      await expect(client.query('select 1')).rejects.toThrow();
      client.release();

      await database.ping();
      const after = await database.pool.query<{ pid: number }>('select pg_backend_pid() as pid');
      expect(after.rows[0]?.pid).not.toBe(rows[0]?.pid);
      expect(idleErrors).toEqual([]); // it was not idle in the pool
    } finally {
      await database.close();
    }
  });
});
