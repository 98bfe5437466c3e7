import { baseConfig, baseEnv, integer, parseEnv, type BaseConfig } from '@hookrail/config';
import { defaultRetryScheduleSeconds } from '@hookrail/delivery';
import { z } from 'zod';

const seconds = z.coerce
  .number({ error: 'must be a number of seconds' })
  .positive({ error: 'must be a positive number of seconds' })
  .max(300, { error: 'must be at most 300 seconds' });

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
    HOOKRAIL_REQUEST_TIMEOUT: seconds.default(15),
    HOOKRAIL_RETRY_SCHEDULE: schedule.prefault(defaultRetryScheduleSeconds.join(',')),
    HOOKRAIL_WORKER_CONCURRENCY: integer(1, 10_000).default(100),
    HOOKRAIL_RECOVERY_RATE: integer(1, 100_000).default(100),
  })
  .transform((env) => ({
    ...baseConfig(env),
    requestTimeoutMs: Math.round(env.HOOKRAIL_REQUEST_TIMEOUT * 1000),
    retryScheduleSeconds: env.HOOKRAIL_RETRY_SCHEDULE,
    concurrency: env.HOOKRAIL_WORKER_CONCURRENCY,
    recoveryRate: env.HOOKRAIL_RECOVERY_RATE,
  }));

export interface WorkerConfig extends BaseConfig {
  /** Bound on one HTTP attempt, connection to last byte read. */
  requestTimeoutMs: number;
  /** Delays before the 2nd, 3rd, ... attempt. */
  retryScheduleSeconds: number[];
  /** Deliveries in flight at once in this process. */
  concurrency: number;
  /** Deliveries a recovery or bulk-retry task re-queues per second, at most. */
  recoveryRate: number;
}

export function loadWorkerConfig(env?: Record<string, string | undefined>): WorkerConfig {
  return parseEnv(workerEnv, env);
}
