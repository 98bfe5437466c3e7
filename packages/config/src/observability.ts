import { z } from 'zod';
import { url } from './fields.ts';

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
};

export interface ObservabilityConfig {
  /** Bearer token `/metrics` asks for; undefined: open to whoever reaches the port. */
  metricsToken: string | undefined;
  /** OTLP/HTTP base URL (`/v1/traces` is appended); undefined: no tracing. */
  otlpEndpoint: string | undefined;
  /** Service name of the spans; undefined: `hookrail-api` or `hookrail-worker`. */
  serviceName: string | undefined;
}

export function observabilityConfig(env: {
  HOOKRAIL_METRICS_TOKEN?: string | undefined;
  OTEL_EXPORTER_OTLP_ENDPOINT?: string | undefined;
  OTEL_SERVICE_NAME?: string | undefined;
}): ObservabilityConfig {
  return {
    metricsToken: env.HOOKRAIL_METRICS_TOKEN,
    otlpEndpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    serviceName: env.OTEL_SERVICE_NAME,
  };
}
