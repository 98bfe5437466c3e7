import {
  baseConfig,
  baseEnv,
  byteSize,
  integer,
  networkList,
  observabilityConfig,
  observabilityEnv,
  outboundConfig,
  outboundEnv,
  parseEnv,
  seconds,
  streamConfig,
  streamEnv,
  url,
  type BaseConfig,
  type ObservabilityConfig,
  type OutboundConfig,
  type StreamConfig,
} from '@hookrail/config';
import { z } from 'zod';
import type { TenantRateDefaults } from './ingest/tenant-rate.ts';
import { defaultTenantBounds, type TenantBounds } from './limits.ts';

const apiEnv = z
  .object({
    ...baseEnv,
    ...outboundEnv,
    ...streamEnv,
    ...observabilityEnv,
    PORT: integer(0, 65535).default(8080),
    HOOKRAIL_PUBLIC_URL: url(['http', 'https']).optional(),
    HOOKRAIL_ADMIN_TOKEN: z
      .string()
      .min(16, { error: 'must be at least 16 characters' })
      .optional(),
    HOOKRAIL_MAX_BODY: byteSize.prefault('1mb'),
    HOOKRAIL_STREAM_MAX_BUFFER: byteSize.prefault('1mb'),
    HOOKRAIL_STREAM_PING_INTERVAL: seconds(3600)
      .refine((ms) => ms > 0, { error: 'must be a positive number of seconds' })
      .prefault('30'),
    HOOKRAIL_STREAM_AUTH_RECHECK: seconds(3600)
      .refine((ms) => ms > 0, { error: 'must be a positive number of seconds' })
      .prefault('30'),
    HOOKRAIL_JWT_SECRET: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
    HOOKRAIL_TRUST_PROXY: networkList.optional(),
    HOOKRAIL_CACHE_TTL: integer(0, 3600).default(30),
    HOOKRAIL_MAX_ENDPOINTS_PER_APP: integer(1, 1_000_000).default(
      defaultTenantBounds.endpointsPerApp,
    ),
    HOOKRAIL_TENANT_RATE: z.coerce
      .number({ error: 'must be a number of messages per second' })
      .positive({ error: 'must be more than 0 (leave it unset for no limit)' })
      .max(1_000_000, { error: 'must be at most 1000000' })
      .optional(),
    HOOKRAIL_TENANT_BURST: integer(1, 1_000_000).optional(),
    HOOKRAIL_MAX_EVENT_TYPES: integer(1, 1_000_000).default(
      defaultTenantBounds.eventTypesPerTenant,
    ),
  })
  .transform((env) => ({
    ...baseConfig(env),
    ...outboundConfig(env),
    ...streamConfig(env),
    ...observabilityConfig(env),
    port: env.PORT,
    publicUrl: (env.HOOKRAIL_PUBLIC_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
    adminToken: env.HOOKRAIL_ADMIN_TOKEN,
    maxBodyBytes: env.HOOKRAIL_MAX_BODY,
    jwtSecret: env.HOOKRAIL_JWT_SECRET,
    tenantBounds: {
      endpointsPerApp: env.HOOKRAIL_MAX_ENDPOINTS_PER_APP,
      eventTypesPerTenant: env.HOOKRAIL_MAX_EVENT_TYPES,
    },
    tenantRate: { rate: env.HOOKRAIL_TENANT_RATE, burst: env.HOOKRAIL_TENANT_BURST },
    streamMaxBufferBytes: env.HOOKRAIL_STREAM_MAX_BUFFER,
    streamPingIntervalMs: env.HOOKRAIL_STREAM_PING_INTERVAL,
    streamRecheckIntervalMs: env.HOOKRAIL_STREAM_AUTH_RECHECK,
    trustProxy: env.HOOKRAIL_TRUST_PROXY ?? [],
    cacheTtlMs: env.HOOKRAIL_CACHE_TTL * 1000,
  }));

export interface ApiConfig extends BaseConfig, OutboundConfig, StreamConfig, ObservabilityConfig {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Base of the links the API hands out. */
  publicUrl: string;
  /** When unset, a token is generated at the first start. */
  adminToken: string | undefined;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Signs app portal tokens; when unset, one is generated once and kept in the database. */
  jwtSecret: string | undefined;
  /** Endpoints per application and event types per tenant, at most. */
  tenantBounds: TenantBounds;
  /**
   * Messages per second (and at once) each tenant may send, unless the operator set its own
   * (`PATCH /admin/tenants/{id}`); no rate: no limit, and ingest asks nothing of Redis for it.
   */
  tenantRate: TenantRateDefaults;
  /** A status stream client with more than this many bytes waiting is closed (4429). */
  streamMaxBufferBytes: number;
  /** Between pings of status stream clients. */
  streamPingIntervalMs: number;
  /** Between checks that status stream clients' credentials still hold. */
  streamRecheckIntervalMs: number;
  /**
   * The reverse proxies (addresses or networks) whose X-Forwarded-For is believed when
   * telling clients apart; empty: the socket's address is the client's.
   */
  trustProxy: string[];
  /**
   * How long API keys, tenants and applications are served from memory (milliseconds; 0 turns
   * caching off). Changes made through the API reach every instance at once through Redis;
   * this bounds how long a change is missed when that message cannot get through.
   */
  cacheTtlMs: number;
}

/** Every environment variable the API reads (the README's configuration reference lists each). */
export const apiEnvVariables: readonly string[] = Object.keys(apiEnv.in.shape);

export function loadApiConfig(env?: Record<string, string | undefined>): ApiConfig {
  return parseEnv(apiEnv, env);
}
