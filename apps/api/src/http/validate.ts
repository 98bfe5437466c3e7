import type { z } from 'zod';
import { validationFailed, type ValidationIssue } from './api-error.ts';

function toIssues(where: 'body' | 'query' | 'path', error: z.ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue): ValidationIssue[] => {
    const loc = [where, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    // One entry per unknown field, located at the field, reads better than one for the object.
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        loc: [...loc, key],
        msg: 'is not a known field',
        type: 'extra_forbidden',
      }));
    }
    // A custom issue may name a stable code of its own (a bound, a header value...).
    const coded: unknown = issue.code === 'custom' ? issue.params?.type : undefined;
    return [{ loc, msg: issue.message, type: typeof coded === 'string' ? coded : issue.code }];
  });
}

/** Parses a request part or throws a 422 listing every problem, each with its location. */
export function parse<S extends z.ZodType>(
  where: 'body' | 'query' | 'path',
  schema: S,
  value: unknown,
): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationFailed(toIssues(where, result.error));
  return result.data;
}

/** A 422 for one field, for checks that need the database (unknown event types, say). */
export function fieldError(loc: (string | number)[], msg: string, type = 'value_error') {
  return validationFailed([{ loc, msg, type }]);
}
