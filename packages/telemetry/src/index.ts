export {
  Metrics,
  type AttemptLabel,
  type ClusterSnapshot,
  type DeliveryLabel,
  type MetricSources,
  type RequeueLabel,
} from './metrics.ts';
export { metricsAuthorized, metricsUnauthorized } from './metrics-token.ts';
export { serveMetrics, type MetricsServer } from './metrics-server.ts';
export {
  attr,
  noTracing,
  startTracing,
  tracingFromConfig,
  type SpanAttributes,
  type TraceSpan,
  type Tracing,
  type TracingConfig,
  type TracingOptions,
} from './tracing/index.ts';
