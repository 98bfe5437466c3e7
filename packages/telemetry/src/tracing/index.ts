export { attr, type AttributeKey, type SpanAttributes } from './attributes.ts';
export {
  noTracing,
  startTracing,
  tracingFromConfig,
  type SpanKindName,
  type SpanOptions,
  type TraceSpan,
  type Tracing,
  type TracingConfig,
  type TracingOptions,
} from './tracing.ts';
