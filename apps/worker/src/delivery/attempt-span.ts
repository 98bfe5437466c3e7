import type { ClaimedDelivery } from '@hookrail/db';
import type { Id } from '@hookrail/ids';
import type { DeliverJob } from '@hookrail/queue';
import { attr, type TraceSpan, type Tracing } from '@hookrail/telemetry';

/**
 * The span of one attempt, from its claim (`startTime`) to its recorded result, a child of
 * the span its job names (the message's queueing in the API; none: a trace of its own).
 * Undefined when tracing is off.
 */
export function startAttemptSpan(
  tracing: Tracing | undefined,
  job: DeliverJob,
  delivery: ClaimedDelivery,
  attemptId: Id<'attempt'>,
  startTime: number,
): TraceSpan | undefined {
  if (tracing?.enabled !== true) return undefined;
  return tracing.startSpan('process deliver', {
    kind: 'consumer',
    parent: job.traceparent,
    startTime,
    attributes: {
      [attr.messagingSystem]: 'bullmq',
      [attr.messagingOperation]: 'process',
      [attr.messagingDestination]: 'deliver',
      [attr.tenantId]: delivery.tenantId,
      [attr.messageId]: delivery.messageId,
      [attr.deliveryId]: delivery.id,
      [attr.endpointId]: delivery.endpointId,
      [attr.attemptId]: attemptId,
      [attr.attempt]: delivery.attempt,
    },
  });
}

/**
 * Ends an attempt's span with what the log line says of it: its outcome, the status code,
 * what the delivery became. Anything but a 2xx (or nothing to send) fails it, with the error's
 * kind (`timeout`, ...) or the status code as `error.type`.
 */
export function endAttemptSpan(
  span: TraceSpan,
  result: {
    outcome: string;
    next: string;
    statusCode: number | null | undefined;
    error: string | null | undefined;
  },
): void {
  span.set({
    [attr.outcome]: result.outcome,
    [attr.next]: result.next,
    ...(result.statusCode != null && { [attr.httpStatus]: result.statusCode }),
  });
  if (result.outcome !== 'success' && result.outcome !== 'canceled') {
    span.fail(result.error?.split(':', 1)[0] ?? String(result.statusCode ?? result.outcome));
  }
  span.end();
}
