import { z } from 'zod';
import { booleanFlag, logLevel, networkList, redisPrefix, url } from './fields.ts';

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

/** Where webhooks may be sent: read by the API (to refuse URLs early) and the worker. */
export const outboundEnv = {
  HOOKRAIL_ALLOWED_NETWORKS: networkList.prefault(''),
  HOOKRAIL_HTTPS_ONLY: booleanFlag.prefault('false'),
};

export interface OutboundConfig {
  /** Networks webhooks may reach although they are private, loopback and the like. */
  allowedNetworks: string[];
  /** Refuse plain http endpoint URLs. */
  httpsOnly: boolean;
}

export function outboundConfig(env: {
  HOOKRAIL_ALLOWED_NETWORKS: string[];
  HOOKRAIL_HTTPS_ONLY: boolean;
}): OutboundConfig {
  return { allowedNetworks: env.HOOKRAIL_ALLOWED_NETWORKS, httpsOnly: env.HOOKRAIL_HTTPS_ONLY };
}
