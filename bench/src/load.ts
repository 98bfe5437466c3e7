import { runToResult } from './process.ts';
import type { Percentiles } from './stats.ts';

/** What the load generator is asked to do (passed as JSON to its process). */
export interface LoadSpec {
  origin: string;
  /** Request paths, used in turn (one per application, say). */
  paths: string[];
  headers?: Record<string, string>;
  /** `message`: a Hookrail message `{eventType, payload}`; `payload`: the payload alone. */
  body: 'message' | 'payload';
  /** closed: `concurrency` requests always in flight; open: `rate` requests per second. */
  mode: 'closed' | 'open';
  concurrency?: number;
  rate?: number;
  /** Stop after this many requests (closed only), or after `durationMs`. */
  count?: number;
  durationMs?: number;
  /** Requests in the first `warmupMs` are sent but not counted. */
  warmupMs?: number;
  /** Keep (id, time of the answer) of every counted 2xx, for accept-to-receipt latency. */
  recordIds?: boolean;
}

export interface LoadResult {
  sent: number;
  /** Counted requests answered 2xx. */
  accepted: number;
  /** Every request answered 2xx, warm-up included (what should now be stored). */
  acceptedAll: number;
  statuses: Record<string, number>;
  errors: number;
  elapsedMs: number;
  acceptedPerSec: number;
  /** Milliseconds, from the request's start (closed) or its scheduled time (open). */
  latency: Percentiles;
  /** The id in each counted 2xx answer, when it was received, and the index of its path. */
  accepts?: { ids: string[]; times: number[]; paths: number[] };
}

/** Runs the load generator in its own process and returns its figures. */
export function runLoad(spec: LoadSpec): Promise<LoadResult> {
  return runToResult<LoadResult>('loadgen', 'bench/src/loadgen-main.ts', [JSON.stringify(spec)]);
}

/** The benchmark's 1 KiB payload. */
export function payload(seq: number): { seq: number; data: string } {
  return { seq, data: 'x'.repeat(1000) };
}
