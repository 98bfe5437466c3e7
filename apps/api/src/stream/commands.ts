import { isId } from '@hookrail/ids';
import { isStreamId, statusEventTypes, type StatusEvent } from '@hookrail/queue';
import { z } from 'zod';

const ids = (kind: 'application' | 'endpoint' | 'message', what: string) =>
  z.string().refine((value) => isId(kind, value), { error: `must be ${what} id` });

const deliveryStatus = z.enum(['pending', 'sending', 'succeeded', 'failed', 'canceled']);

/** What a client asks to see; every field narrows, and an absent field does not. */
const filterFields = {
  appId: ids('application', 'an application (app_…)').optional(),
  endpointId: ids('endpoint', 'an endpoint (ep_…)').optional(),
  msgId: ids('message', 'a message (msg_…)').optional(),
  /** The messages' event types (`invoice.paid`). */
  eventTypes: z.array(z.string().min(1).max(256)).min(1).max(100).optional(),
  /** The delivery's status once the event happened. */
  statuses: z.array(deliveryStatus).min(1).optional(),
  /** The stream's own event types (`attempt.finished`). */
  types: z.array(z.enum(statusEventTypes)).min(1).optional(),
};

/**
 * How events are framed: absent or false, one event per WebSocket frame; true, the events
 * ready together go in one `{"type":"batch","events":[…]}` frame. Absent keeps the framing.
 */
const batch = z.boolean().optional();

export const subscribeCommand = z.strictObject({
  type: z.literal('subscribe'),
  ...filterFields,
  batch,
});

/**
 * Replays what came after `lastEventId`, then goes on live. With any filter field it is a
 * subscribe too (the filter set before the replay, so a reconnecting client needs one command
 * and gets the missed events before any live one); without, the filter stays as it is.
 */
export const resumeCommand = z.strictObject({
  type: z.literal('resume'),
  lastEventId: z
    .string()
    .refine(isStreamId, { error: 'must be an event id received from this stream' }),
  ...filterFields,
  batch,
});

export const streamCommand = z.discriminatedUnion('type', [
  subscribeCommand,
  z.strictObject({ type: z.literal('unsubscribe') }),
  resumeCommand,
]);

export type StreamCommand = z.output<typeof streamCommand>;
export type Subscription = z.output<z.ZodObject<typeof filterFields>>;

/** Reads one text frame as a command, or says what is wrong with it. */
export function parseCommand(
  text: string,
): { ok: true; command: StreamCommand } | { ok: false; code: string; detail: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, code: 'invalid_json', detail: 'A command is one JSON object per message.' };
  }
  const parsed = streamCommand.safeParse(json);
  if (parsed.success) return { ok: true, command: parsed.data };
  const issue = parsed.error.issues[0];
  const where = issue?.path.join('.') ?? '';
  return {
    ok: false,
    code: 'invalid_command',
    detail: `${where === '' ? 'command' : where}: ${issue?.message ?? 'is invalid'}. Commands: subscribe, unsubscribe, resume.`,
  };
}

/** True when the event passes the subscription. */
export function matches(sub: Subscription, event: StatusEvent): boolean {
  const { data } = event;
  if (sub.types !== undefined && !sub.types.includes(event.type)) return false;
  if (sub.appId !== undefined && data.appId !== sub.appId) return false;
  if (sub.msgId !== undefined && data.msgId !== sub.msgId) return false;
  if (
    sub.endpointId !== undefined &&
    data.endpointId !== sub.endpointId &&
    !(data.endpointIds?.includes(sub.endpointId) ?? false)
  ) {
    return false;
  }
  if (sub.eventTypes !== undefined && !sub.eventTypes.includes(data.eventType ?? '')) return false;
  if (
    sub.statuses !== undefined &&
    (data.status === undefined || !sub.statuses.includes(data.status))
  )
    return false;
  return true;
}
