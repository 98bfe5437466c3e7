import { isId, type IdKind } from '@hookrail/ids';
import { z } from 'zod';
import { codedIssue } from '../limits.ts';

/**
 * Free text. Postgres cannot store NUL characters, so they are refused here with a clear
 * message rather than failing later as a 500.
 */
export function text(options: { min?: number; max: number }) {
  const min = options.min ?? 0;
  return z
    .string()
    .min(min, { error: min === 1 ? 'must not be empty' : `must be at least ${min} characters` })
    .max(options.max, { error: `must be at most ${options.max} characters` })
    .refine((s) => !s.includes('\u0000'), { error: 'must not contain NUL characters' });
}

const tokenPattern = /^[a-zA-Z0-9\-_.]+$/;

/** Names used as identifiers (event types, channels): letters, digits, `-`, `_`, `.`. */
export function token(max: number) {
  return z
    .string()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .regex(tokenPattern, { error: 'may contain only letters, digits, "-", "_" and "."' });
}

export const eventTypeName = token(256);
export const channelName = token(128);

/**
 * A tenant-chosen uid. It may not have the shape of an id of the same kind: routes accept
 * either in the same place, and a uid that looked like an id would be unreachable.
 */
export function uid(kind: IdKind) {
  return token(256).refine((value) => !isId(kind, value), {
    error: 'must not have the form of a Hookrail id',
  });
}

/** String-to-string metadata, as Svix keeps it. */
export const metadata = z
  .record(text({ min: 1, max: 256 }), text({ max: 4096 }), {
    error: 'must be an object whose values are strings',
  })
  .refine((m) => Object.keys(m).length <= 100, { error: 'may have at most 100 keys' });

/** Messages (or requests) per second; Svix calls it `rateLimit` or `throttleRate`. */
export const rate = z
  .number({ error: 'must be an integer between 1 and 65535' })
  .int({ error: 'must be an integer between 1 and 65535' })
  .min(1, { error: 'must be an integer between 1 and 65535' })
  .max(65535, { error: 'must be an integer between 1 and 65535' });

/**
 * Svix clients send a rate as `rateLimit` (older) or `throttleRate` (newer). Both are accepted;
 * sending both with different values is an error.
 */
export function pickRate(
  input: { rateLimit?: number | null | undefined; throttleRate?: number | null | undefined },
  ctx: z.RefinementCtx,
): number | null | undefined {
  const { rateLimit, throttleRate } = input;
  if (rateLimit !== undefined && throttleRate !== undefined && rateLimit !== throttleRate) {
    ctx.addIssue({
      code: 'custom',
      path: ['throttleRate'],
      message: 'rateLimit and throttleRate are the same setting; send one of them',
    });
    return undefined;
  }
  return rateLimit !== undefined ? rateLimit : throttleRate;
}

/** Accepts a list of unique names, with `[]` meaning the same as null ("no restriction"). */
export function nameList(item: z.ZodType<string>, max: number, code?: string) {
  const list = z.array(item, { error: 'must be a list of names' });
  // A bound with a code of its own answers that code as the 422 detail type.
  const bounded =
    code === undefined
      ? list.max(max, { error: `may have at most ${max} items` })
      : list
          .superRefine((names, ctx) => {
            if (names.length > max) codedIssue(ctx, code, `may have at most ${max} items`);
          })
          .meta({ maxItems: max });
  return bounded
    .refine((list) => new Set(list).size === list.length, { error: 'must not repeat a name' })
    .transform((list) => (list.length === 0 ? null : list));
}

const earliest = Date.parse('0001-01-01T00:00:00Z');
const latest = Date.parse('9999-12-31T23:59:59.999Z');
const dateTimeError = 'must be a date-time such as 2026-01-31T12:00:00Z';

/**
 * An RFC 3339 date-time with an offset, in input. The instant must lie in the years 0001 to
 * 9999 once the offset is applied (`9999-12-31T23:59:59-23:59` does not): Postgres cannot
 * read the six-digit years JavaScript writes beyond them, so they are refused here.
 */
export const dateTimeIn = z.iso.datetime({ offset: true, error: dateTimeError }).refine(
  (value) => {
    const time = Date.parse(value);
    return time >= earliest && time <= latest;
  },
  { error: 'must lie between the years 0001 and 9999 (UTC)' },
);

/** An RFC 3339 timestamp in a response. */
export const dateTime = z
  .string()
  .meta({ format: 'date-time', example: '2026-01-31T12:00:00.000Z' });

/** Svix's list envelope around `item`. */
export function listOf<T extends z.ZodType>(item: T, name: string) {
  return z
    .object({
      data: z.array(item),
      iterator: z
        .string()
        .nullable()
        .meta({ description: 'Pass as `iterator` to get the next page.' }),
      prevIterator: z
        .string()
        .nullable()
        .meta({ description: 'Pass as `iterator` to get the previous page.' }),
      done: z.boolean().meta({ description: 'No more items in the direction just listed.' }),
    })
    .meta({ id: `ListResponse_${name}_` });
}

export const errorOut = z
  .object({
    code: z
      .string()
      .meta({ description: 'Stable, for programs: not_found, conflict, unauthorized...' }),
    detail: z.string().meta({ description: 'For people: what went wrong and what to do.' }),
  })
  .meta({ id: 'HttpErrorOut' });

export const validationErrorOut = z
  .object({
    code: z.literal('validation'),
    detail: z.array(
      z.object({
        loc: z
          .array(z.union([z.string(), z.number()]))
          .meta({ description: 'e.g. ["body", "url"]' }),
        msg: z.string(),
        type: z.string(),
      }),
    ),
  })
  .meta({ id: 'HTTPValidationError' });

export const emptyOut = z.object({}).meta({ id: 'EmptyResponse' });
