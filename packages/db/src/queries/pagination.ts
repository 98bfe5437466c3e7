import { asc, desc, gt, lt, type AnyColumn, type SQL } from 'drizzle-orm';

export type Ordering = 'ascending' | 'descending';

export interface PageRequest {
  /** Items per page. */
  limit: number;
  /**
   * The key after which to continue (the `iterator` of the previous page), or, with a
   * leading `-`, the key before which to go back (a page's `prevIterator`).
   */
  iterator?: string | undefined;
  order: Ordering;
}

export interface Page<T> {
  data: T[];
  /** Pass as `iterator` for the next page; the last key seen. */
  iterator: string | null;
  /** Pass as `iterator` to go back one page. */
  prevIterator: string | null;
  /** No further items in the direction just travelled. */
  done: boolean;
}

/**
 * Keyset pagination over one unique, byte-sortable column (ids, or names within a tenant).
 * Build the query with `where`, `orderBy` and `limit` (one more than a page, to learn whether
 * another page follows), then shape the rows with `page`.
 */
export function keyset(column: AnyColumn, request: PageRequest) {
  const backwards = request.iterator?.startsWith('-') ?? false;
  const cursor = backwards ? request.iterator?.slice(1) : request.iterator;
  const ascending = (request.order === 'ascending') !== backwards;
  const where: SQL | undefined =
    cursor === undefined ? undefined : ascending ? gt(column, cursor) : lt(column, cursor);
  return {
    where,
    orderBy: ascending ? asc(column) : desc(column),
    limit: request.limit + 1,
    page<T>(rows: T[], key: (row: T) => string): Page<T> {
      const data = rows.slice(0, request.limit);
      if (backwards) data.reverse();
      const first = data[0];
      const last = data.at(-1);
      return {
        data,
        iterator: last === undefined ? (backwards ? null : (cursor ?? null)) : key(last),
        prevIterator: first === undefined ? null : `-${key(first)}`,
        done: rows.length <= request.limit,
      };
    },
  };
}
