import { createLogger } from '@hookrail/logger';
import type { Metrics } from '@hookrail/telemetry';
import type { Writable } from 'node:stream';
import type { Resolver } from '@hookrail/outbound';
import {
  loadWorkerConfig,
  startWorker,
  type RunningWorker,
  type WorkerConfig,
} from '@hookrail/worker';
import { afterAll, beforeAll } from 'vitest';
import { redisOverrides, testEncryptionKey, type TestEnv } from './env.ts';

export function testWorkerConfig(
  env: TestEnv,
  overrides: Record<string, string> = {},
): WorkerConfig {
  return loadWorkerConfig({
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    HOOKRAIL_REDIS_PREFIX: env.redisPrefix,
    HOOKRAIL_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    HOOKRAIL_WORKER_CONCURRENCY: '20',
    // Receivers in tests listen on loopback, which webhooks may not reach unless allowed.
    HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128',
    HOOKRAIL_ENCRYPTION_KEY: testEncryptionKey,
    ...redisOverrides(env),
    ...overrides,
  });
}

export interface TestWorker {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The port of the worker's own metrics server (HOOKRAIL_WORKER_METRICS_PORT), if any. */
  metricsPort(): number | undefined;
}

/**
 * The real worker, in this process, on the test file's own database and Redis prefix. It
 * starts before the file's tests unless `autostart` is false, and stops after them.
 */
export function useTestWorker(
  env: TestEnv,
  overrides: Record<string, string> = {},
  options: {
    autostart?: boolean;
    resolve?: Resolver;
    logs?: Writable;
    metrics?: Metrics;
  } = {},
): TestWorker {
  let running: RunningWorker | undefined;
  const worker: TestWorker = {
    async start() {
      if (running) return;
      const config = testWorkerConfig(env, overrides);
      running = await startWorker(
        config,
        createLogger({
          name: 'worker',
          level: config.logLevel,
          ...(options.logs && { destination: options.logs }),
        }),
        {
          metricsHost: '127.0.0.1',
          ...(options.resolve && { resolve: options.resolve }),
          ...(options.metrics && { metrics: options.metrics }),
        },
      );
    },
    metricsPort: () => running?.metricsPort,
    async stop() {
      const current = running;
      running = undefined;
      await current?.close();
    },
  };
  if (options.autostart ?? true) beforeAll(() => worker.start());
  afterAll(() => worker.stop());
  return worker;
}
