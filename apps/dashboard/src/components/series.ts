import { request, withQuery } from '../api.ts';
import type { Series, SeriesBucket, SeriesInterval } from '../resources.ts';
import type { Bar } from './bar-chart.tsx';

const at = new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'short' });

const intervalMs: Record<SeriesInterval, number> = {
  '5m': 300_000,
  '15m': 900_000,
  '1h': 3_600_000,
  '1d': 86_400_000,
};

/**
 * A series of the last `hours` hours, from `path` (an endpoint's or the tenant's). The window
 * ends at the next whole interval (UTC), so that bars are whole hours.
 */
export function loadSeries(
  path: string,
  options: { interval: SeriesInterval; hours: number; appId?: string },
): Promise<Series> {
  const step = intervalMs[options.interval];
  const until = new Date(Math.ceil((Date.now() + 1) / step) * step);
  const since = new Date(until.getTime() - options.hours * 3600 * 1000);
  return request<Series>(
    withQuery(path, {
      since: since.toISOString(),
      until: until.toISOString(),
      interval: options.interval,
      app_id: options.appId,
    }),
  );
}

/** Deliveries whose outcome is known: succeeded or failed for good. */
function finished(bucket: SeriesBucket): number {
  return bucket.succeeded + bucket.failed;
}

export interface Totals {
  succeeded: number;
  failed: number;
  pending: number;
  canceled: number;
  all: number;
}

export function totals(series: Series): Totals {
  const sum = { succeeded: 0, failed: 0, pending: 0, canceled: 0, all: 0 };
  for (const b of series.data) {
    sum.succeeded += b.succeeded;
    sum.failed += b.failed;
    sum.pending += b.pending;
    sum.canceled += b.canceled;
    sum.all += b.succeeded + b.failed + b.pending + b.canceled;
  }
  return sum;
}

/** "97.5%", or "–" when nothing finished. */
export function percent(part: number, whole: number): string {
  if (whole === 0) return '–';
  const value = (100 * part) / whole;
  return `${Number.isInteger(value) ? value.toFixed(0) : value.toFixed(1)}%`;
}

/** One bar per bucket: the share of finished deliveries that succeeded, the failed rest above. */
export function successBars(series: Series): Bar[] {
  return series.data.map((b) => {
    const done = finished(b);
    return {
      value: done === 0 ? null : b.succeeded / done,
      tone: 'ok',
      rest: 'fail',
      title: `${at.format(new Date(b.start))}: ${done === 0 ? 'no finished deliveries' : `${percent(b.succeeded, done)} succeeded (${b.succeeded} of ${done})`}`,
    };
  });
}

/** One bar per bucket: deliveries created, scaled to the busiest bucket. */
export function volumeBars(series: Series): Bar[] {
  const counts = series.data.map((b) => b.succeeded + b.failed + b.pending + b.canceled);
  const max = Math.max(1, ...counts);
  return series.data.map((b, i) => ({
    value: (counts[i] ?? 0) / max,
    tone: 'volume',
    title: `${at.format(new Date(b.start))}: ${counts[i] ?? 0} deliveries`,
  }));
}

/** One bar per bucket: the share of finished deliveries that failed. */
export function failureBars(series: Series): Bar[] {
  return series.data.map((b) => {
    const done = finished(b);
    return {
      value: done === 0 ? null : b.failed / done,
      tone: 'fail',
      title: `${at.format(new Date(b.start))}: ${done === 0 ? 'no finished deliveries' : `${percent(b.failed, done)} failed (${b.failed} of ${done})`}`,
    };
  });
}
