import type { Id, IdKind } from '@hookrail/ids';
import { customType, timestamp } from 'drizzle-orm/pg-core';

/**
 * Text compared byte by byte. Ids and names used as list cursors must sort the same way in
 * Postgres as in JavaScript, whatever the database's locale is.
 */
export const sortableText = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE "C"',
});

export const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

export const createdAt = () => timestamptz('created_at').notNull().defaultNow();
export const updatedAt = () => timestamptz('updated_at').notNull().defaultNow();

/** The primary key of a table whose rows have ids of `kind` (the argument only types it). */
export const primaryId = <K extends IdKind>(_kind: K) =>
  sortableText('id').$type<Id<K>>().primaryKey();

/** A column holding an id of `kind` (the argument only types it). */
export const idOf = <K extends IdKind>(_kind: K, name: string) => sortableText(name).$type<Id<K>>();
