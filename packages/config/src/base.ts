import { z } from 'zod';
import { logLevel, redisPrefix, url } from './fields.ts';

/** Variables every Hookrail process reads: where its state lives and how it logs. */
export const baseEnv = {
  DATABASE_URL: url(['postgres', 'postgresql']).default(
    'postgres://postgres@127.0.0.1:5432/hookrail',
  ),
  REDIS_URL: url(['redis', 'rediss']).default('redis://127.0.0.1:6379'),
  HOOKRAIL_REDIS_PREFIX: redisPrefix.default('hookrail'),
  HOOKRAIL_LOG_LEVEL: logLevel.default('info'),
};

export const baseEnvSchema = z.object(baseEnv);

export interface BaseConfig {
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  logLevel: z.output<typeof logLevel>;
}

export function baseConfig(env: z.output<typeof baseEnvSchema>): BaseConfig {
  return {
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    redisPrefix: env.HOOKRAIL_REDIS_PREFIX,
    logLevel: env.HOOKRAIL_LOG_LEVEL,
  };
}
