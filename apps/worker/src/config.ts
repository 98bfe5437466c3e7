import { baseConfig, baseEnv, parseEnv, type BaseConfig } from '@hookrail/config';
import { z } from 'zod';

const workerEnv = z.object({ ...baseEnv }).transform((env) => ({ ...baseConfig(env) }));

export type WorkerConfig = BaseConfig;

export function loadWorkerConfig(env?: Record<string, string | undefined>): WorkerConfig {
  return parseEnv(workerEnv, env);
}
