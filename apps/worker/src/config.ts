import {
  baseConfig,
  baseEnv,
  duration,
  integer,
  observabilityConfig,
  observabilityEnv,
  outboundConfig,
  outboundEnv,
  parseEnv,
  streamConfig,
  streamEnv,
  seconds,
  type BaseConfig,
  type ObservabilityConfig,
  type OutboundConfig,
  type StreamConfig,
} from '@hookrail/config';
import { defaultRetryScheduleSeconds } from '@hookrail/delivery';
import { z } from 'zod';

/** Comma-separated delays in seconds, or `none` for a single attempt without retries. */
const schedule = z
  .string()
  .regex(/^(none|\s*\d+(\.\d+)?(\s*,\s*\d+(\.\d+)?)*\s*)$/, {
    error: 'must be comma-separated delays in seconds, such as 5,300,1800, or none',
  })
  .transform((value) =>
    value === 'none' ? [] : value.split(',').map((part) => Number(part.trim())),
  );

const workerEnv = z
  .object({
    ...baseEnv,
    ...outboundEnv,
    ...streamEnv,
    ...observabilityEnv,
    HOOKRAIL_WORKER_METRICS_PORT: integer(0, 65535).optional(),
    HOOKRAIL_REQUEST_TIMEOUT: seconds(300)
      .refine((ms) => ms > 0, { error: 'must be a positive number of seconds' })
      .prefault('15'),
    HOOKRAIL_RETRY_SCHEDULE: schedule.prefault(defaultRetryScheduleSeconds.join(',')),
    HOOKRAIL_WORKER_CONCURRENCY: integer(1, 10_000).default(100),
    HOOKRAIL_RECOVERY_RATE: integer(1, 100_000).default(100),
    HOOKRAIL_ENDPOINT_MAX_INFLIGHT: integer(1, 10_000).default(50),
    HOOKRAIL_SLOW_AFTER: seconds(300)
      .refine((ms) => ms > 0, { error: 'must be a positive number of seconds' })
      .prefault('2'),
    HOOKRAIL_SLOW_INFLIGHT: integer(1, 100_000).optional(),
    HOOKRAIL_SLOW_INFLIGHT_TOTAL: integer(1, 1_000_000).default(1000),
    HOOKRAIL_BREAKER_FAILURES: integer(1, 1000).default(5),
    HOOKRAIL_BREAKER_PROBE_INTERVAL: seconds(3600)
      .refine((ms) => ms > 0, { error: 'must be a positive number of seconds' })
      .prefault('5'),
    HOOKRAIL_DISABLE_AFTER: duration.prefault('5d'),
    HOOKRAIL_THROTTLE_MIN_DELAY: seconds(86_400).prefault('60'),
    HOOKRAIL_RECONCILE_INTERVAL: seconds(3600)
      .refine((ms) => ms > 0, { error: 'must be a positive number of seconds' })
      .prefault('5'),
    HOOKRAIL_LEASE_MARGIN: seconds(3600)
      .refine((ms) => ms >= 1000, { error: 'must be at least 1 second' })
      .prefault('30'),
    HOOKRAIL_RETENTION_DAYS: integer(1, 3650).default(30),
    HOOKRAIL_LOG_RETENTION_DAYS: integer(1, 3650).default(90),
    // Messages per batch of the purge (each deleted with its deliveries and attempts), or
    // other rows in its later steps: one statement each, so kept well short of huge.
    HOOKRAIL_DELETION_BATCH: integer(1, 10_000).default(500),
  })
  .refine((env) => env.HOOKRAIL_LOG_RETENTION_DAYS >= env.HOOKRAIL_RETENTION_DAYS, {
    path: ['HOOKRAIL_LOG_RETENTION_DAYS'],
    error: 'must be at least HOOKRAIL_RETENTION_DAYS: the log outlives the payloads it shows',
  })
  .transform((env) => ({
    ...baseConfig(env),
    ...outboundConfig(env),
    ...streamConfig(env),
    ...observabilityConfig(env),
    metricsPort: env.HOOKRAIL_WORKER_METRICS_PORT,
    requestTimeoutMs: env.HOOKRAIL_REQUEST_TIMEOUT,
    retryScheduleSeconds: env.HOOKRAIL_RETRY_SCHEDULE,
    concurrency: env.HOOKRAIL_WORKER_CONCURRENCY,
    recoveryRate: env.HOOKRAIL_RECOVERY_RATE,
    endpointMaxInflight: env.HOOKRAIL_ENDPOINT_MAX_INFLIGHT,
    slowAfterMs: env.HOOKRAIL_SLOW_AFTER,
    slowInflight: env.HOOKRAIL_SLOW_INFLIGHT ?? env.HOOKRAIL_WORKER_CONCURRENCY,
    slowInflightTotal: env.HOOKRAIL_SLOW_INFLIGHT_TOTAL,
    breakerFailures: env.HOOKRAIL_BREAKER_FAILURES,
    breakerProbeIntervalMs: env.HOOKRAIL_BREAKER_PROBE_INTERVAL,
    disableAfterMs: env.HOOKRAIL_DISABLE_AFTER,
    throttleMinDelayMs: env.HOOKRAIL_THROTTLE_MIN_DELAY,
    reconcileIntervalMs: env.HOOKRAIL_RECONCILE_INTERVAL,
    leaseMarginMs: env.HOOKRAIL_LEASE_MARGIN,
    retention: {
      payloadDays: env.HOOKRAIL_RETENTION_DAYS,
      logDays: env.HOOKRAIL_LOG_RETENTION_DAYS,
    },
    deletionBatch: env.HOOKRAIL_DELETION_BATCH,
  }));

export interface WorkerConfig
  extends BaseConfig, OutboundConfig, StreamConfig, ObservabilityConfig {
  /**
   * Port of this worker's own `GET /metrics` (0 picks a free one); undefined: none. A worker
   * running inside the all-in-one process reports through the API's `/metrics` instead.
   */
  metricsPort: number | undefined;
  /** Bound on one HTTP attempt, connection to last byte read. */
  requestTimeoutMs: number;
  /** Delays before the 2nd, 3rd, ... attempt. */
  retryScheduleSeconds: number[];
  /** Deliveries in flight at once in this process. */
  concurrency: number;
  /** Deliveries a recovery or bulk-retry task re-queues per second, at most. */
  recoveryRate: number;
  /** Requests in flight at once to one endpoint, across all workers (endpoints may override). */
  endpointMaxInflight: number;
  /**
   * A request open this long leaves its worker slot (it goes on outside it); an endpoint with
   * such a request, or whose last answer took this long, is slow.
   */
  slowAfterMs: number;
  /** Requests to slow endpoints this worker admits while it has that many open. */
  slowInflight: number;
  /** The same bound across all workers, kept in Redis. */
  slowInflightTotal: number;
  /** Consecutive failures that open an endpoint's circuit breaker. */
  breakerFailures: number;
  /** Wait before the first probe of an open breaker; doubles per failed probe, up to 10 min. */
  breakerProbeIntervalMs: number;
  /** An endpoint failing without a success for this long is disabled. */
  disableAfterMs: number;
  /** The shortest wait a Retry-After (429, 503) may ask for. */
  throttleMinDelayMs: number;
  /** Time between reconciliation passes. */
  reconcileIntervalMs: number;
  /**
   * How long past the request timeout a claimed delivery is held before it counts as
   * abandoned (its worker died) and is sent again.
   */
  leaseMarginMs: number;
  /** How long what was sent and what was logged are kept. */
  retention: RetentionConfig;
  /**
   * Rows each batch of the purge of a deleted tenant or application deletes (messages go with
   * their deliveries and attempts), each batch its own short statement.
   */
  deletionBatch: number;
}

export interface RetentionConfig {
  /** Days a message's payload and its attempts' response excerpts are kept. */
  payloadDays: number;
  /** Days messages, deliveries and attempts are kept for the log; at least `payloadDays`. */
  logDays: number;
}

/** Every environment variable the worker reads (the README's configuration reference lists each). */
export const workerEnvVariables: readonly string[] = Object.keys(workerEnv.in.shape);

export function loadWorkerConfig(env?: Record<string, string | undefined>): WorkerConfig {
  return parseEnv(workerEnv, env);
}
