import type { PageRequest } from '@hookrail/db';
import { z } from 'zod';

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
export const queryFlag = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .default('false')
  .transform((v) => v === 'true');
