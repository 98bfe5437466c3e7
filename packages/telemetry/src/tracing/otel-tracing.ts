// The OpenTelemetry SDK behind `Tracing`. Loaded only by `startTracing`, when an OTLP endpoint
// is configured: a process without one never reads this file or the SDK.
import { randomUUID } from 'node:crypto';
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
  type Span,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import {
  ATTR_ERROR_TYPE,
  ATTR_SERVICE_INSTANCE_ID,
  ATTR_SERVICE_NAME,
  ATTR_SERVICE_VERSION,
} from '@opentelemetry/semantic-conventions';
import type { SpanAttributes } from './attributes.ts';
import type { SpanKindName, SpanOptions, TraceSpan, Tracing, TracingOptions } from './tracing.ts';

const kinds: Record<SpanKindName, SpanKind> = {
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  internal: SpanKind.INTERNAL,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

const propagator = new W3CTraceContextPropagator();

/** The `service.version` of Hookrail's spans (the version the API's OpenAPI document states). */
const hookrailVersion = '0.1.0';

/** Attributes as the SDK takes them: the keys that have a value (a key may hold undefined). */
function defined(attributes: SpanAttributes): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  const entries = Object.entries(
    attributes as Record<string, string | number | boolean | undefined>,
  );
  for (const [key, value] of entries) if (value !== undefined) out[key] = value;
  return out;
}

/** The context a `traceparent` names; ROOT_CONTEXT (a new trace) when it is not a valid one. */
function extracted(traceparent: string): Context {
  return propagator.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
}

class OtelSpan implements TraceSpan {
  readonly recording = true;
  readonly span: Span;
  #ended = false;

  constructor(span: Span) {
    this.span = span;
  }

  set(attributes: SpanAttributes): void {
    if (!this.#ended) this.span.setAttributes(defined(attributes));
  }

  rename(name: string): void {
    if (!this.#ended) this.span.updateName(name);
  }

  fail(errorType: string): void {
    if (this.#ended) return;
    this.span.setAttribute(ATTR_ERROR_TYPE, errorType);
    this.span.setStatus({ code: SpanStatusCode.ERROR });
  }

  end(endTime?: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.span.end(endTime);
  }

  ids(): { traceId: string; spanId: string } {
    const { traceId, spanId } = this.span.spanContext();
    return { traceId, spanId };
  }

  traceparent(): string | undefined {
    const carrier: { traceparent?: string } = {};
    propagator.inject(trace.setSpan(ROOT_CONTEXT, this.span), carrier, defaultTextMapSetter);
    return carrier.traceparent;
  }
}

function parentContext(parent: SpanOptions['parent']): Context {
  if (parent === undefined) return ROOT_CONTEXT;
  if (typeof parent === 'string') return extracted(parent);
  // A span of `noTracing` (tracing started in another part of the process) has no context.
  return parent instanceof OtelSpan ? trace.setSpan(ROOT_CONTEXT, parent.span) : ROOT_CONTEXT;
}

function linksOf(traceparents: readonly string[] | undefined): Link[] {
  const links: Link[] = [];
  for (const traceparent of traceparents ?? []) {
    const context = trace.getSpanContext(extracted(traceparent));
    if (context !== undefined) links.push({ context });
  }
  return links;
}

/**
 * Spans batched and exported over OTLP/HTTP (JSON) to `endpoint/v1/traces`. No context manager
 * is registered and no global provider is set: every span names its parent, so nothing rides
 * on async context, and two processes' worth of tracing can live in one test process.
 */
export function createOtelTracing(options: TracingOptions & { endpoint: string }): Tracing {
  // The SDK reports failed exports through its diagnostic logger.
  diag.setLogger(
    {
      error: (message) => options.onError(message),
      warn: (message) => options.onError(message),
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 5000;
  const exporter = new OTLPTraceExporter({
    url: `${options.endpoint.replace(/\/+$/, '')}/v1/traces`,
    headers: options.headers ?? {},
    timeoutMillis: shutdownTimeoutMs,
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: options.serviceName,
      [ATTR_SERVICE_VERSION]: options.serviceVersion ?? hookrailVersion,
      [ATTR_SERVICE_INSTANCE_ID]: randomUUID(),
    }),
    // Attributes are ids, codes and words from a list (see attributes.ts): this only bounds
    // what a mistake could send.
    spanLimits: { attributeValueLengthLimit: 256, attributeCountLimit: 32, linkCountLimit: 128 },
    spanProcessors: [
      new BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: options.exportDelayMs ?? 5000,
        exportTimeoutMillis: shutdownTimeoutMs,
      }),
    ],
  });
  const tracer = provider.getTracer('hookrail', options.serviceVersion ?? hookrailVersion);
  return {
    enabled: true,
    startSpan(name, spanOptions = {}) {
      const span = tracer.startSpan(
        name,
        {
          kind: kinds[spanOptions.kind ?? 'internal'],
          ...(spanOptions.attributes && { attributes: defined(spanOptions.attributes) }),
          ...(spanOptions.links && { links: linksOf(spanOptions.links) }),
          ...(spanOptions.startTime !== undefined && { startTime: spanOptions.startTime }),
        },
        parentContext(spanOptions.parent),
      );
      return new OtelSpan(span);
    },
    async shutdown() {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          options.onError(`spans not exported within ${shutdownTimeoutMs} ms of shutdown`);
          resolve();
        }, shutdownTimeoutMs + 1000);
      });
      await Promise.race([
        provider.shutdown().catch((error: unknown) => {
          options.onError(error instanceof Error ? error.message : String(error));
        }),
        deadline,
      ]).finally(() => clearTimeout(timer));
    },
  };
}
