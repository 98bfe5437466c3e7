import type { PageRequest } from '@hookrail/db';
import { z } from 'zod';
import { dateTimeIn } from '../schemas/common.ts';

/** Svix's list parameters: `limit` (1-250, default 50), `iterator`, `order`. */
export function listQuery(defaultOrder: PageRequest['order']) {
  return z.object({
    limit: z.coerce
      .number({ error: 'limit must be an integer between 1 and 250' })
      .int({ error: 'limit must be an integer between 1 and 250' })
      .min(1, { error: 'limit must be an integer between 1 and 250' })
      .max(250, { error: 'limit must be an integer between 1 and 250' })
      .default(50),
    iterator: z
      .string()
      .regex(/^-?[A-Za-z0-9._-]{1,256}$/, {
        error: 'iterator must be a value returned by a previous list',
      })
      .optional(),
    order: z
      .enum(['ascending', 'descending'], { error: 'order must be ascending or descending' })
      .default(defaultOrder),
  });
}

/** `?flag=true` style booleans in query strings. */
export function queryFlag(defaultValue: boolean) {
  return z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .default(defaultValue ? 'true' : 'false')
    .transform((v) => v === 'true');
}

/** A list parameter, repeated (`?a=x&a=y`) or comma-separated (`?a=x,y`). */
export function queryList<T extends string>(item: z.ZodType<T, string>) {
  return z
    .union([z.string(), z.array(z.string())])
    .transform((value) =>
      (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).filter(Boolean),
    )
    .pipe(z.array(item).max(100, { error: 'may name at most 100 values' }));
}

/** An RFC 3339 date-time with an offset, as a Date. */
export const queryDate = dateTimeIn.transform((value) => new Date(value));
