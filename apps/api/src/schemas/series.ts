import { z } from 'zod';
import { codedIssue } from '../limits.ts';
import { dateTime, dateTimeIn, token } from './common.ts';

/** Bucket widths a series may use, in seconds. */
export const seriesIntervals = { '5m': 300, '15m': 900, '1h': 3600, '1d': 86_400 } as const;
export type SeriesInterval = keyof typeof seriesIntervals;

/** The most buckets one series answers (a day of 5-minute buckets). */
export const maxBuckets = 288;
const defaultSpanMs = 24 * 3600 * 1000;

const windowShape = {
  since: dateTimeIn.optional().meta({ description: 'Start of the window. @default until - 24h' }),
  until: dateTimeIn.optional().meta({ description: 'End of the window (excluded). @default now' }),
  interval: z
    .enum(Object.keys(seriesIntervals) as [SeriesInterval, ...SeriesInterval[]], {
      error: `must be ${Object.keys(seriesIntervals).join(', ')}`,
    })
    .default('1h')
    .meta({ description: 'Width of each bucket.' }),
};

export interface SeriesWindow {
  since: Date;
  until: Date;
  interval: SeriesInterval;
  intervalSeconds: number;
}

/**
 * `since`/`until` (default: the last 24 hours) and `interval` (default 1h). The window is
 * bounded by the number of buckets, so one request reads a bounded range of deliveries.
 */
function toWindow(
  query: { since?: string | undefined; until?: string | undefined; interval: SeriesInterval },
  ctx: z.RefinementCtx,
): SeriesWindow {
  const until = query.until === undefined ? new Date() : new Date(query.until);
  const since =
    query.since === undefined ? new Date(until.getTime() - defaultSpanMs) : new Date(query.since);
  const intervalSeconds = seriesIntervals[query.interval];
  const spanMs = until.getTime() - since.getTime();
  if (spanMs <= 0) {
    codedIssue(ctx, 'invalid_window', 'since must be before until', ['since']);
    return z.NEVER;
  }
  if (Math.ceil(spanMs / (intervalSeconds * 1000)) > maxBuckets) {
    codedIssue(
      ctx,
      'too_many_buckets',
      `the window holds more than ${maxBuckets} buckets of ${query.interval}; choose a wider interval or a shorter window`,
      ['interval'],
    );
    return z.NEVER;
  }
  return { since, until, interval: query.interval, intervalSeconds };
}

/** One endpoint's (or application's) series: the window only. */
export const seriesQuery = z.object(windowShape).transform(toWindow);

/** The tenant's series, optionally narrowed to one application. */
export const tenantSeriesQuery = z
  .object({
    ...windowShape,
    app_id: token(256).optional().meta({ description: 'An application id or uid.' }),
  })
  .transform((query, ctx) => ({ ...toWindow(query, ctx), appId: query.app_id }));

const bucketOut = z
  .object({
    start: dateTime.meta({ description: 'The bucket covers [start, start + interval).' }),
    succeeded: z.number().int(),
    failed: z.number().int().meta({ description: 'Failed for good: every attempt was used.' }),
    pending: z.number().int().meta({ description: 'Pending or being sent.' }),
    canceled: z.number().int(),
  })
  .meta({ id: 'DeliverySeriesBucket' });

export const seriesOut = z
  .object({
    since: dateTime,
    until: dateTime,
    interval: z.enum(Object.keys(seriesIntervals) as [SeriesInterval, ...SeriesInterval[]]),
    data: z.array(bucketOut).meta({
      description:
        'Deliveries created in each bucket, by their status now; every bucket of the window, oldest first.',
    }),
  })
  .meta({ id: 'DeliverySeriesOut' });
