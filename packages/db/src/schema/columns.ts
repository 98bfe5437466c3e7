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
