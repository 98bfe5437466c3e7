import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { migrateDatabase, migrateWhenReachable, migrationsFolder } from '../src/index.ts';

function urlFor(database: string): string {
  const url = new URL(inject('postgresUrl'));
  url.pathname = `/${database}`;
  return url.toString();
}

const created: string[] = [];

afterAll(async () => {
  const admin = new pg.Client({ connectionString: urlFor('postgres') });
  await admin.connect();
  for (const name of created) await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.end();
});

describe('the migrator', () => {
  it('creates a missing database and applies every migration, also when started several times at once', async () => {
    const name = `${inject('runPrefix')}_migrate_${randomBytes(4).toString('hex')}`;
    created.push(name);
    await Promise.all([
      migrateDatabase(urlFor(name)),
      migrateDatabase(urlFor(name)),
      migrateDatabase(urlFor(name)),
    ]);

    const journal = JSON.parse(
      readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8'),
    ) as {
      entries: unknown[];
    };
    const client = new pg.Client({ connectionString: urlFor(name) });
    await client.connect();
    try {
      const applied = await client.query(
        'select count(*)::int as n from drizzle.__drizzle_migrations',
      );
      expect(applied.rows[0]).toEqual({ n: journal.entries.length });
      const tables = await client.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_schema = 'public' order by 1",
      );
      expect(tables.rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining([
          'tenants',
          'api_keys',
          'applications',
          'event_types',
          'endpoints',
          'endpoint_secrets',
        ]),
      );
      // A new installation's attempts are partitioned before any process writes one.
      const attempts = await client.query<{ kind: string }>(
        "select relkind as kind from pg_class where oid = 'attempts'::regclass",
      );
      expect(attempts.rows[0]).toEqual({ kind: 'p' });
    } finally {
      await client.end();
    }
    // A later start finds nothing to do.
    await migrateDatabase(urlFor(name));
  });

  it('applies nothing again to a database migrated before a comment in the migration files changed', async () => {
    // Databases migrated before the migrations opened with their upgrade step hold the hashes
    // of the files without that comment. The migrator goes by the journal's timestamps and
    // never compares hashes, so such a database is neither migrated again nor refused.
    const name = `${inject('runPrefix')}_migrate_${randomBytes(4).toString('hex')}`;
    created.push(name);
    await migrateDatabase(urlFor(name));
    const client = new pg.Client({ connectionString: urlFor(name) });
    await client.connect();
    try {
      const journal = JSON.parse(
        readFileSync(join(migrationsFolder, 'meta', '_journal.json'), 'utf8'),
      ) as { entries: { tag: string }[] };
      const earlier = journal.entries.map(({ tag }) => {
        const text = readFileSync(join(migrationsFolder, `${tag}.sql`), 'utf8');
        const uncommented = text.replace(/^(--[^\n]*\n)+/, '');
        expect(uncommented).not.toBe(text);
        return createHash('sha256').update(uncommented).digest('hex');
      });
      await client.query(
        `update drizzle.__drizzle_migrations m set hash = e.hash
           from unnest($1::text[]) with ordinality e(hash, n) where m.id = e.n`,
        [earlier],
      );
      const before = await client.query(
        'select id, hash, created_at from drizzle.__drizzle_migrations order by id',
      );
      expect(before.rows.map((row: { hash: string }) => row.hash)).toEqual(earlier);

      await migrateDatabase(urlFor(name));

      const after = await client.query(
        'select id, hash, created_at from drizzle.__drizzle_migrations order by id',
      );
      expect(after.rows).toEqual(before.rows);
    } finally {
      await client.end();
    }
  });

  it('waits at start-up while Postgres refuses connections, then migrates', async () => {
    const name = `${inject('runPrefix')}_migrate_${randomBytes(4).toString('hex')}`;
    created.push(name);
    const admin = new pg.Client({ connectionString: urlFor('postgres') });
    await admin.connect();
    try {
      await admin.query(`create database "${name}"`);
      await admin.query(`alter database "${name}" allow_connections false`);
      const refusals: string[] = [];
      let reopened: Promise<unknown> | undefined;
      await migrateWhenReachable(urlFor(name), {
        onUnavailable: (error) => {
          refusals.push(error instanceof Error ? error.message : String(error));
          // Let it in once it has been turned away twice.
          if (refusals.length === 2) {
            reopened = admin.query(`alter database "${name}" allow_connections true`);
          }
        },
      });
      await reopened;
      expect(refusals.length).toBeGreaterThanOrEqual(2);
      expect(refusals[0]).toMatch(/not currently accepting connections/);
    } finally {
      await admin.query(`alter database "${name}" allow_connections true`);
      await admin.end();
    }
    // Migrated: the next run has nothing to do and the tables are there.
    const client = new pg.Client({ connectionString: urlFor(name) });
    await client.connect();
    const { rows } = await client.query("select to_regclass('public.tenants') is not null as ok");
    await client.end();
    expect(rows[0]).toEqual({ ok: true });
  });

  it('gives up at once on an error waiting cannot fix', async () => {
    const url = new URL(urlFor('postgres'));
    url.username = 'no_such_role_for_hookrail';
    const waits: unknown[] = [];
    await expect(
      migrateWhenReachable(url.toString(), { onUnavailable: (error) => waits.push(error) }),
    ).rejects.toThrow(/no_such_role_for_hookrail/);
    expect(waits).toEqual([]);
  });
});
