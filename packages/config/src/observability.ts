import { z } from 'zod';
import { url } from './fields.ts';

/**
 * `OTEL_EXPORTER_OTLP_HEADERS` as OpenTelemetry defines it: `key=value` pairs separated by
 * commas, values percent-encoded.
 */
const otlpHeaders = z.string().transform((value, ctx) => {
  const headers: Record<string, string> = {};
  for (const pair of value.split(',')) {
    const at = pair.indexOf('=');
    const key = pair.slice(0, at).trim();
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(pair.slice(at + 1).trim());
    } catch {
      decoded = undefined;
    }
    if (at <= 0 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key) || decoded === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be comma-separated name=value pairs, values percent-encoded',
      });
      return z.NEVER;
    }
    headers[key.toLowerCase()] = decoded;
  }
  return headers;
});

/** Metrics and traces: read by the API and the worker. */
export const observabilityEnv = {
  /** When set, `/metrics` answers only `Authorization: Bearer <token>`. */
  HOOKRAIL_METRICS_TOKEN: z
    .string()
    .min(16, { error: 'must be at least 16 characters' })
    .optional(),
  /** Where traces go (OTLP over HTTP); unset, nothing about tracing is even loaded. */
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http', 'https']).optional(),
  /** The `service.name` of this process's spans. */
  OTEL_SERVICE_NAME: z.string().min(1).max(100).optional(),
  /** Only `http/json`: the exporter sends OTLP/HTTP with JSON bodies. */
  OTEL_EXPORTER_OTLP_PROTOCOL: z
    .enum(['http/json'], {
      error:
        'must be http/json (or unset): Hookrail sends OTLP over HTTP with JSON bodies, which collectors take on their OTLP/HTTP port, 4318 by default',
    })
    .optional(),
  /** Headers sent with every export, e.g. a collector's credentials. */
  OTEL_EXPORTER_OTLP_HEADERS: otlpHeaders.optional(),
};

export interface ObservabilityConfig {
  /** Bearer token `/metrics` asks for; undefined: open to whoever reaches the port. */
  metricsToken: string | undefined;
  /** OTLP/HTTP base URL (`/v1/traces` is appended); undefined: no tracing. */
  otlpEndpoint: string | undefined;
  /** Headers sent to the collector with every export (lower-case names); never logged. */
  otlpHeaders: Record<string, string> | undefined;
  /** Service name of the spans; undefined: `hookrail-api`, `hookrail-worker` or `hookrail`. */
  serviceName: string | undefined;
}

export function observabilityConfig(env: {
  HOOKRAIL_METRICS_TOKEN?: string | undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_EXPORTER_OTLP_HEADERS?: Record<string, string> | undefined;
  OTEL_SERVICE_NAME?: string | undefined;
}): ObservabilityConfig {
  return {
    metricsToken: env.HOOKRAIL_METRICS_TOKEN,
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    otlpHeaders: env.OTEL_EXPORTER_OTLP_HEADERS,
    serviceName: env.OTEL_SERVICE_NAME,
  };
}
