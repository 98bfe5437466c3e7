/** Small statistics over samples: the harness reports medians of runs and latency percentiles. */

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** Nearest-rank percentile; NaN for no values. Infinity stands for "never arrived". */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
}

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  count: number;
}

export function percentiles(values: readonly number[]): Percentiles {
  return {
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    p99: percentile(values, 99),
    max: percentile(values, 100),
    count: values.length,
  };
}

/** Rounds for reports: 3 significant digits are all a noisy machine can claim. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  const digits = magnitude >= 100 ? 0 : magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3;
  return Number(value.toFixed(digits));
}

/**
 * Milliseconds of the system's monotonic clock (`CLOCK_MONOTONIC` on Linux: since boot, the
 * same for every process of the machine), with sub-millisecond resolution: a time taken in
 * the load generator and one taken in the receivers can be subtracted. Wall-clock time
 * (`performance.timeOrigin + performance.now()`, or `Date.now()`) cannot serve: the origin is
 * read once at each process's start, and a virtual machine's wall clock can be slewed (5 ms
 * a second has been seen), so two processes started minutes apart disagree by seconds.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** A rounded figure as text: ∞ for "never", – for "not measured". */
export function fmt(value: number): string {
  if (Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  return round(value).toLocaleString('en-US');
}
