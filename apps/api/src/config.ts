import {
  baseConfig,
  baseEnv,
  byteSize,
  integer,
  parseEnv,
  url,
  type BaseConfig,
} from '@hookrail/config';
import { z } from 'zod';

const apiEnv = z
  .object({
    ...baseEnv,
    PORT: integer(0, 65535).default(8080),
    HOOKRAIL_PUBLIC_URL: url(['http', 'https']).optional(),
    HOOKRAIL_ADMIN_TOKEN: z
      .string()
      .min(16, { error: 'must be at least 16 characters' })
      .optional(),
    HOOKRAIL_MAX_BODY: byteSize.prefault('1mb'),
  })
  .transform((env) => ({
    ...baseConfig(env),
    port: env.PORT,
    publicUrl: (env.HOOKRAIL_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    adminToken: env.HOOKRAIL_ADMIN_TOKEN,
    maxBodyBytes: env.HOOKRAIL_MAX_BODY,
  }));

export interface ApiConfig extends BaseConfig {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Base of the links the API hands out. */
  publicUrl: string;
  /** When unset, a token is generated at the first start. */
  adminToken: string | undefined;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
}

export function loadApiConfig(env?: Record<string, string | undefined>): ApiConfig {
  return parseEnv(apiEnv, env);
}
