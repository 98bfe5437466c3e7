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
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    options.destination,
  );
}
