import type { Id } from '@hookrail/ids';
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { DbOrTx } from '../client.ts';
import { endpoints } from '../schema/index.ts';
import { jwtSecretSetting, keyCheckSetting } from './settings.ts';

/**
 * Every column that holds a value sealed by the vault. Re-encryption after a key rotation
 * walks these; a new sealed column must be listed here. (Credential values inside endpoints'
 * custom headers are sealed too: resealEndpointHeaders walks them.)
 */
const sealedColumns = [
  { table: 'endpoint_secrets', column: 'key', key: 'id', where: 'true' },
  {
    table: 'settings',
    column: 'value',
    key: 'name',
    where: `name in ('${jwtSecretSetting}', '${keyCheckSetting}')`,
  },
  {
    table: 'idempotency_keys',
    column: 'response_body',
    key: "tenant_id || '/' || scope || '/' || key",
    where: "response_body <> ''",
  },
] as const;

export type SealedColumn = (typeof sealedColumns)[number];

/**
 * Re-seals, batch by batch, every sealed value not sealed with the current key (`current` is
 * the prefix such values start with). Each update is a compare-and-set on the old value, so a
 * value changed meanwhile is left alone. Returns how many values were re-sealed per table.
 */
export async function resealAll(
  db: DbOrTx,
  current: string,
  reseal: (sealed: string, table: string) => string,
  batchSize = 500,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, column, key, where } of sealedColumns) {
    counts[table] = 0;
    for (;;) {
      const { rows } = await db.execute<{ k: string; v: string }>(
        sql.raw(
          `select ${key} as k, ${column} as v from ${table} where ${where} and ${column} not like '${current}%' limit ${batchSize}`,
        ),
      );
      if (rows.length === 0) break;
      let changed = 0;
      for (const row of rows) {
        const next = reseal(row.v, table);
        const result = await db.execute(
          sql`update ${sql.raw(table)} set ${sql.raw(column)} = ${next} where ${sql.raw(key)} = ${row.k} and ${sql.raw(column)} = ${row.v}`,
        );
        changed += result.rowCount ?? 0;
      }
      counts[table] += changed;
      if (changed === 0) break; // every row changed under us; the next run picks them up
    }
  }
  return counts;
}

/**
 * Re-seals the credential values inside endpoints' custom headers (a jsonb object, so not a
 * sealed column). Walks every endpoint, deleted ones too, in id order; `reseal` returns the
 * headers to store, or undefined when nothing in them needs it. Each update is a
 * compare-and-set on the headers read. Returns how many endpoints were changed.
 */
export async function resealEndpointHeaders(
  db: DbOrTx,
  reseal: (headers: Record<string, string>) => Record<string, string> | undefined,
  batchSize = 500,
): Promise<number> {
  let changed = 0;
  let after: Id<'endpoint'> | undefined;
  for (;;) {
    const rows = await db
      .select({ id: endpoints.id, headers: endpoints.headers })
      .from(endpoints)
      .where(after === undefined ? undefined : gt(endpoints.id, after))
      .orderBy(asc(endpoints.id))
      .limit(batchSize);
    const last = rows.at(-1);
    if (last === undefined) return changed;
    after = last.id;
    for (const row of rows) {
      const next = reseal(row.headers);
      if (next === undefined) continue;
      const updated = await db
        .update(endpoints)
        .set({ headers: next })
        .where(
          and(
            eq(endpoints.id, row.id),
            sql`${endpoints.headers} = ${JSON.stringify(row.headers)}::jsonb`,
          ),
        )
        .returning({ id: endpoints.id });
      changed += updated.length;
    }
  }
}
