import { loadApiConfig, startApi, type ApiConfig, type RunningApi } from '@hookrail/api';
import { createLogger } from '@hookrail/logger';
import type { Metrics } from '@hookrail/telemetry';
import type { Writable } from 'node:stream';
import { afterAll, beforeAll } from 'vitest';
import { redisOverrides, testEncryptionKey, type TestEnv } from './env.ts';
import { HttpClient } from './http.ts';

export const testAdminToken = 'test-admin-token-0123456789abcdef';

export interface TestApi {
  url: string;
  config: ApiConfig;
  /** Calls the operator API with the admin token. */
  admin: HttpClient;
  /** Calls without credentials. */
  anonymous: HttpClient;
  /** Creates a tenant and returns a client holding its API key. */
  newTenant(name?: string): Promise<{ id: string; apiKey: string; client: HttpClient }>;
  running: RunningApi;
}

/** The configuration the API would read, pointed at the test file's own services. */
export function testApiConfig(env: TestEnv, overrides: Record<string, string> = {}): ApiConfig {
  return loadApiConfig({
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    HOOKRAIL_REDIS_PREFIX: env.redisPrefix,
    HOOKRAIL_ADMIN_TOKEN: testAdminToken,
    HOOKRAIL_LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    PORT: '0',
    // Receivers in tests listen on loopback, which webhooks may not reach unless allowed.
    HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128',
    HOOKRAIL_ENCRYPTION_KEY: testEncryptionKey,
    ...redisOverrides(env),
    ...overrides,
  });
}

/** Starts the real API in this process on a free loopback port, for the whole file. */
export function useTestApi(
  env: TestEnv,
  overrides: Record<string, string> = {},
  options: { logs?: Writable; metrics?: Metrics } = {},
): TestApi {
  const api = {} as TestApi; // filled in by beforeAll, before any test reads it
  beforeAll(async () => {
    const config = testApiConfig(env, overrides);
    const logger = createLogger({
      name: 'api',
      level: config.logLevel,
      ...(options.logs && { destination: options.logs }),
    });
    api.running = await startApi(config, logger, {
      host: '127.0.0.1',
      ...(options.metrics && { metrics: options.metrics }),
    });
    api.config = config;
    api.url = `http://127.0.0.1:${api.running.port}`;
    api.admin = new HttpClient(api.url, testAdminToken);
    api.anonymous = new HttpClient(api.url);
    api.newTenant = async (name = 'Tenant') => {
      const res = await api.admin.post('/api/v1/admin/tenants', { name });
      if (res.status !== 201)
        throw new Error(`creating a tenant answered ${res.status}: ${res.text}`);
      const body = res.json<{ id: string; apiKey: string }>();
      return { id: body.id, apiKey: body.apiKey, client: new HttpClient(api.url, body.apiKey) };
    };
  });
  afterAll(async () => {
    await api.running.close();
  });
  return api;
}
