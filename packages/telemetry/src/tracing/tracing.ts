import type { SpanAttributes } from './attributes.ts';

/** OpenTelemetry's span kinds, by name. */
export type SpanKindName = 'server' | 'client' | 'internal' | 'producer' | 'consumer';

/** One span. Those of tracing that is off do nothing and cost one call each. */
export interface TraceSpan {
  /** False when tracing is off: callers skip work that would only feed the span. */
  readonly recording: boolean;
  set(attributes: SpanAttributes): void;
  /** Renames it, once what it did is known (a server span, once its route matched). */
  rename(name: string): void;
  /**
   * Marks it failed. `errorType` is a status code or an error kind from a fixed list, never a
   * message (messages may quote a URL or a header).
   */
  fail(errorType: string): void;
  /** Ends it, at `endTime` (milliseconds since the epoch) or now. Later calls do nothing. */
  end(endTime?: number): void;
  /** Its W3C `traceparent`, for a child in another process; undefined when not recording. */
  traceparent(): string | undefined;
  /**
   * Its trace and span ids (hex, as collectors show them), for the log lines written under it
   * (`withLogContext`), so that logs and traces join; undefined when not recording.
   */
  ids(): { traceId: string; spanId: string } | undefined;
}

export interface SpanOptions {
  kind?: SpanKindName;
  attributes?: SpanAttributes;
  /** Its parent: a span of this process, or a `traceparent` from a job. @defaultValue a new trace */
  parent?: TraceSpan | string | undefined;
  /** Spans it follows from without being their child, as `traceparent`s; invalid ones are skipped. */
  links?: readonly string[];
  /** Milliseconds since the epoch. @defaultValue now */
  startTime?: number;
}

/**
 * Traces of one process. When `OTEL_EXPORTER_OTLP_ENDPOINT` is not set it is `noTracing`,
 * and nothing of the OpenTelemetry SDK is loaded.
 */
export interface Tracing {
  readonly enabled: boolean;
  startSpan(name: string, options?: SpanOptions): TraceSpan;
  /** Exports the spans still buffered, bounded in time, then stops exporting. */
  shutdown(): Promise<void>;
}

const noSpan: TraceSpan = {
  recording: false,
  set: () => undefined,
  rename: () => undefined,
  fail: () => undefined,
  end: () => undefined,
  traceparent: () => undefined,
  ids: () => undefined,
};

/** Tracing that is off. */
export const noTracing: Tracing = {
  enabled: false,
  startSpan: () => noSpan,
  shutdown: () => Promise.resolve(),
};

export interface TracingOptions {
  /** The OTLP/HTTP base URL; `/v1/traces` is appended. Undefined: `noTracing`. */
  endpoint: string | undefined;
  /** Headers sent to the collector with every export (its credentials, often). @defaultValue none */
  headers?: Record<string, string>;
  /** The spans' `service.name`. */
  serviceName: string;
  /** The spans' `service.version`. @defaultValue Hookrail's version */
  serviceVersion?: string;
  /** Told when spans cannot be exported (the collector is away); the message names no header. */
  onError: (message: string) => void;
  /** `shutdown` waits this long for the last export, at most. @defaultValue 5000 */
  shutdownTimeoutMs?: number;
  /** Spans wait this long to be exported in a batch. @defaultValue 5000 */
  exportDelayMs?: number;
}

/**
 * The process's tracing: `noTracing` without an endpoint; otherwise the SDK, loaded now (a
 * dynamic import, so that a process without an endpoint never reads it).
 */
export async function startTracing(options: TracingOptions): Promise<Tracing> {
  if (options.endpoint === undefined) return noTracing;
  const { createOtelTracing } = await import('./otel-tracing.ts');
  return createOtelTracing({ ...options, endpoint: options.endpoint });
}

/** What the API and the worker read from their configuration (`ObservabilityConfig`). */
export interface TracingConfig {
  otlpEndpoint: string | undefined;
  otlpHeaders: Record<string, string> | undefined;
  serviceName: string | undefined;
}

/** `startTracing` from a process's configuration, `defaultName` when it sets no service name. */
export function tracingFromConfig(
  config: TracingConfig,
  defaultName: string,
  onError: TracingOptions['onError'],
): Promise<Tracing> {
  return startTracing({
    endpoint: config.otlpEndpoint,
    ...(config.otlpHeaders && { headers: config.otlpHeaders }),
    serviceName: config.serviceName ?? defaultName,
    onError,
  });
}
