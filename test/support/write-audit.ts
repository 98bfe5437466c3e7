import type pg from 'pg';

/**
 * Records every row written to the test file's database (all tables but the idempotency
 * records) through triggers, so a test can say exactly what one request wrote.
 */
export interface WriteAudit {
  /** The writes since the previous call (or since installation), as `table op` strings. */
  next(): Promise<string[]>;
}

export async function installWriteAudit(sql: pg.Pool): Promise<WriteAudit> {
  await sql.query(`
    create schema audit;
    create table audit.writes (id bigserial primary key, tbl text not null, op text not null);
    create function audit.record() returns trigger language plpgsql as $$
      begin insert into audit.writes (tbl, op) values (tg_table_name, tg_op); return null; end $$;
    do $$ declare t text; begin
      -- A partitioned table's trigger is its partitions' too (attempts, once partitioned).
      for t in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
               where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
                 and c.relname <> 'idempotency_keys' loop
        execute format('create trigger audit_writes after insert or update or delete on public.%I
                        for each row execute function audit.record()', t);
      end loop;
    end $$;`);
  let seen = 0;
  return {
    async next() {
      const { rows } = await sql.query<{ id: string; w: string }>(
        `select id, tbl || ' ' || op as w from audit.writes where id > $1 order by id`,
        [seen],
      );
      seen = Math.max(seen, ...rows.map((r) => Number(r.id)));
      return rows.map((r) => r.w);
    },
  };
}
