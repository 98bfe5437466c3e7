import * as semconv from '@opentelemetry/semantic-conventions';
import { describe, expect, it } from 'vitest';
import { attr, noTracing, startTracing } from '../src/index.ts';

const callerTrace = '0af7651916cd43dd8448eb211c80319c';
const callerSpan = 'b7ad6b7169203331';

describe('tracing', () => {
  it('names attributes as the semantic conventions do', () => {
    expect(attr).toMatchObject({
      httpMethod: semconv.ATTR_HTTP_REQUEST_METHOD,
      httpRoute: semconv.ATTR_HTTP_ROUTE,
      httpStatus: semconv.ATTR_HTTP_RESPONSE_STATUS_CODE,
      urlScheme: semconv.ATTR_URL_SCHEME,
      errorType: semconv.ATTR_ERROR_TYPE,
      dbSystem: semconv.ATTR_DB_SYSTEM_NAME,
      dbOperation: semconv.ATTR_DB_OPERATION_NAME,
      dbBatchSize: semconv.ATTR_DB_OPERATION_BATCH_SIZE,
    });
  });

  it('is off without an endpoint: spans record nothing and carry no traceparent', async () => {
    const tracing = await startTracing({
      endpoint: undefined,
      serviceName: 'test',
      onError: () => undefined,
    });
    expect(tracing).toBe(noTracing);
    const span = tracing.startSpan('x', { parent: `00-${callerTrace}-${callerSpan}-01` });
    expect(span.recording).toBe(false);
    expect(span.traceparent()).toBeUndefined();
  });

  it('puts a span under the traceparent it is given, and starts a new trace for an invalid one', async () => {
    // Nothing is ended, so nothing is exported to this (closed) loopback port.
    const tracing = await startTracing({
      endpoint: 'http://127.0.0.1:9',
      serviceName: 'test',
      onError: () => undefined,
    });
    try {
      const child = tracing.startSpan('child', { parent: `00-${callerTrace}-${callerSpan}-01` });
      expect(child.recording).toBe(true);
      const [, traceId, spanId] = child.traceparent()?.split('-') ?? [];
      expect(traceId).toBe(callerTrace);
      expect(spanId).toMatch(/^[0-9a-f]{16}$/);
      expect(spanId).not.toBe(callerSpan);

      const grandchild = tracing.startSpan('grandchild', { parent: child });
      expect(grandchild.traceparent()?.split('-')[1]).toBe(callerTrace);

      const orphan = tracing.startSpan('orphan', { parent: '00-not-a-trace-01' });
      expect(orphan.traceparent()).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
      expect(orphan.traceparent()?.split('-')[1]).not.toBe(callerTrace);
    } finally {
      await tracing.shutdown();
    }
  });
});
