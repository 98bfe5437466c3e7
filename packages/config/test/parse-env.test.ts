import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  baseEnv,
  baseEnvSchema,
  byteSize,
  ConfigError,
  integer,
  observabilityConfig,
  observabilityEnv,
  parseEnv,
} from '../src/index.ts';

const schema = z.object({
  ...baseEnv,
  PORT: integer(0, 65535).default(8080),
  MAX: byteSize.prefault('1mb'),
});

describe('parseEnv', () => {
  it('fills defaults for unset and empty variables', () => {
    const env = parseEnv(schema, { PORT: '', REDIS_URL: '  ' });
    expect(env.PORT).toBe(8080);
    expect(env.MAX).toBe(1024 * 1024);
    expect(env.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/hookrail');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
  });

  it('names every invalid variable and the value it had', () => {
    let error: unknown;
    try {
      parseEnv(schema, { PORT: 'eighty', DATABASE_URL: 'mysql://x/y', MAX: 'lots' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.find((p) => p.startsWith('PORT:'))).toContain('"eighty"');
    expect(problems.find((p) => p.startsWith('DATABASE_URL:'))).toContain('postgres://');
    expect(problems.find((p) => p.startsWith('MAX:'))).toContain('512kb or 1mb');
  });

  it('reads sizes in bytes, kb and mb', () => {
    expect(parseEnv(schema, { MAX: '512kb' }).MAX).toBe(512 * 1024);
    expect(parseEnv(schema, { MAX: '2MB' }).MAX).toBe(2 * 1024 * 1024);
    expect(parseEnv(schema, { MAX: '4096' }).MAX).toBe(4096);
  });
});

describe('REDIS_CLUSTER_NODES', () => {
  it('reads host:port pairs, IPv6 in brackets, into nodes', () => {
    const env = parseEnv(schema, { REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-b:7001,[::1]:7002' });
    expect(env.REDIS_CLUSTER_NODES).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: 'redis-b', port: 7001 },
      { host: '::1', port: 7002 },
    ]);
  });

  it('is unset by default, and a pair without a port is refused by name', () => {
    expect(parseEnv(schema, {}).REDIS_CLUSTER_NODES).toBeUndefined();
    let error: unknown;
    try {
      parseEnv(schema, { REDIS_CLUSTER_NODES: '10.0.0.1:7000,redis-b' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems[0]).toMatch(/^REDIS_CLUSTER_NODES\b.*host:port/);
  });
});

describe('variables that may hold credentials', () => {
  const secretSchema = z.object({
    ...observabilityEnv,
    HOOKRAIL_ENCRYPTION_KEY: z.string().length(44).optional(),
  });

  it('are named in an error without their value', () => {
    let error: unknown;
    try {
      parseEnv(secretSchema, {
        HOOKRAIL_METRICS_TOKEN: 'short-tok',
        HOOKRAIL_ENCRYPTION_KEY: 'not-a-real-key',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const name of [
      'HOOKRAIL_METRICS_TOKEN',
      'HOOKRAIL_ENCRYPTION_KEY',
      'OTEL_EXPORTER_OTLP_HEADERS',
      'OTEL_EXPORTER_OTLP_PROTOCOL',
    ]) {
      expect(message).toContain(name);
    }
    expect(message).not.toContain('short-tok');
    expect(message).not.toContain('not-a-real-key');
    expect(message).toContain('(value not shown)');
    expect(message).toContain('(got "grpc")');
  });
});

describe('connection URLs', () => {
  it('are quoted in an error with their password hidden', () => {
    let error: unknown;
    try {
      parseEnv(baseEnvSchema, {
        DATABASE_URL: 'postgres://hookrail:db-pw-1@127.0.0.1:notaport/hookrail',
        REDIS_URL: 'http://:redis-p@ss/word@127.0.0.1:6379',
        REDIS_CLUSTER_NODES: 'admin:cluster-pw-3@10.0.0.1:7000',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      expect.stringContaining('(got "postgres://hookrail:***@127.0.0.1:notaport/hookrail")'),
      expect.stringContaining('(got "http://:***@127.0.0.1:6379")'),
      expect.stringContaining('(got "admin:***@10.0.0.1:7000")'),
    ]);
    for (const password of ['db-pw-1', 'redis-p', 'ss/word', 'cluster-pw-3']) {
      expect((error as ConfigError).message).not.toContain(password);
    }
  });
});

describe('OTEL_EXPORTER_OTLP_HEADERS', () => {
  it('reads comma-separated pairs with percent-encoded values, names in lower case', () => {
    const env = parseEnv(z.object(observabilityEnv), {
      OTEL_EXPORTER_OTLP_HEADERS: 'Authorization=Basic%20dTpw, x-scope=team%3Dops',
    });
    expect(observabilityConfig(env).otlpHeaders).toEqual({
      authorization: 'Basic dTpw',
      'x-scope': 'team=ops',
    });
  });

  it('refuses a pair without a name', () => {
    expect(() =>
      parseEnv(z.object(observabilityEnv), { OTEL_EXPORTER_OTLP_HEADERS: 'a=1,=2' }),
    ).toThrow(/OTEL_EXPORTER_OTLP_HEADERS: must be comma-separated name=value pairs/);
  });
});
