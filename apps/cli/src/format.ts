/** A status stream event as the server sends it. */
export interface StreamEvent {
  id?: string;
  type: string;
  timestamp?: string;
  code?: string;
  detail?: string;
  data?: Record<string, unknown>;
  /** A batch frame's events, in order. */
  events?: StreamEvent[];
}

const text = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';

/** One line per event, for a person watching deliveries in a terminal. */
export function formatEvent(event: StreamEvent): string {
  const time = (event.timestamp ?? new Date().toISOString()).slice(11, 23);
  const data = event.data ?? {};
  const where = [text(data.msgId), text(data.endpointId) && `-> ${text(data.endpointId)}`]
    .filter(Boolean)
    .join(' ');
  let facts = '';
  switch (event.type) {
    case 'message.accepted':
      facts = `${text(data.eventType)} to ${Array.isArray(data.endpointIds) ? data.endpointIds.length : 0} endpoint(s)`;
      break;
    case 'attempt.started':
      facts = `attempt ${text(data.attemptNumber)}`;
      break;
    case 'attempt.finished':
      facts = [
        `attempt ${text(data.attemptNumber)}:`,
        data.responseStatusCode == null ? text(data.error) : text(data.responseStatusCode),
        `(${text(data.durationMs)} ms)`,
      ].join(' ');
      break;
    case 'delivery.retry_scheduled':
      facts = `next attempt at ${text(data.nextAttemptAt)}`;
      break;
    case 'gap':
      facts = 'some events were missed while disconnected';
      break;
  }
  return [time, event.type.padEnd(24), where, facts].filter(Boolean).join('  ');
}
