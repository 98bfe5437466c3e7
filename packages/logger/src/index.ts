import { pino, type Logger as PinoLogger, type DestinationStream, type Level } from 'pino';

export type Logger = PinoLogger;

/**
 * Field paths that may carry a credential. Code should never log them in the first place;
 * redaction is the second line of defence, not the first.
 */
const redactPaths = [
  'authorization',
  '*.authorization',
  'headers.authorization',
  '*.headers.authorization',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'key',
  '*.key',
  'token',
  '*.token',
  'password',
  '*.password',
];

/**
 * A failed query's error carries its parameters (in `params`, and in its message and stack
 * as `params: …`): request payloads, URLs, header values. Logged errors keep the query and
 * lose the parameters, also where pino folds a `cause` into the message and stack.
 */
function withoutQueryParams(serialized: unknown, depth = 0): unknown {
  if (typeof serialized !== 'object' || serialized === null || depth > 5) return serialized;
  const copy: Record<string, unknown> = { ...(serialized as Record<string, unknown>) };
  delete copy.params;
  if (typeof copy.message === 'string') {
    copy.message = copy.message.replace(/\nparams: [\s\S]*$/, '\nparams: [redacted]');
  }
  if (typeof copy.stack === 'string') {
    copy.stack = copy.stack.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/g, '\nparams: [redacted]');
  }
  if ('cause' in copy) copy.cause = withoutQueryParams(copy.cause, depth + 1);
  return copy;
}

const serializers = {
  err: (error: unknown) =>
    withoutQueryParams(error instanceof Error ? pino.stdSerializers.err(error) : error),
};

export interface LoggerOptions {
  /** Process role, added to every line (`api`, `worker`). */
  name: string;
  /** @defaultValue 'info' */
  level?: Level | 'silent';
  /** Where lines go. @defaultValue stdout */
  destination?: DestinationStream;
}

/** Structured JSON logs, one line per event. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level ?? 'info',
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
