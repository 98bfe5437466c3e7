import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type Logger as PinoLogger, type DestinationStream, type Level } from 'pino';

import { hidePasswords } from './passwords.ts';

export { hidePasswords } from './passwords.ts';
export { throttledWarnings, type ThrottledWarn } from './throttled.ts';

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
 * lose the parameters, also where pino folds a `cause` into the message and stack. A Redis
 * command's error (ioredis) carries the command with its arguments: the arguments go too, a
 * refused `AUTH`'s being the password. A connection URL an error quotes (in its message, its
 * stack, or a field such as the `input` of an invalid URL) loses its password, also where
 * what was thrown is a string (a promise rejected with one).
 */
function withoutSecrets(serialized: unknown, depth = 0): unknown {
  if (typeof serialized === 'string') return hidePasswords(serialized);
  if (typeof serialized !== 'object' || serialized === null || depth > 5) return serialized;
  const copy: Record<string, unknown> = { ...(serialized as Record<string, unknown>) };
  delete copy.params;
  if (typeof copy.command === 'object' && copy.command !== null) {
    copy.command = { name: (copy.command as { name?: unknown }).name, args: '[redacted]' };
  }
  if (typeof copy.message === 'string') {
    copy.message = copy.message.replace(/\nparams: [\s\S]*$/, '\nparams: [redacted]');
  }
  if (typeof copy.stack === 'string') {
    copy.stack = copy.stack.replace(/\nparams: [\s\S]*?(?=\n {4}at |$)/g, '\nparams: [redacted]');
  }
  for (const [field, value] of Object.entries(copy)) {
    if (typeof value === 'string') copy[field] = hidePasswords(value);
  }
  if ('cause' in copy) copy.cause = withoutSecrets(copy.cause, depth + 1);
  return copy;
}

const serializers = {
  err: (error: unknown) =>
    withoutSecrets(error instanceof Error ? pino.stdSerializers.err(error) : error),
};

/** Fields every line written inside `withLogContext` carries (the request id). */
const context = new AsyncLocalStorage<Record<string, unknown>>();

/**
 * Runs `fn` so that every line logged while it runs, in its callbacks and awaited
 * continuations too, carries `fields` (added to those of a context it runs in): a request's
 * id, and its trace's, reach the lines written by the code that serves it without each call
 * passing them on.
 */
export function withLogContext<T>(fields: Record<string, unknown>, fn: () => T): T {
  const outer = context.getStore();
  return context.run(outer === undefined ? fields : { ...outer, ...fields }, fn);
}

/**
 * Runs `fn` outside any log context: for work started by one request on behalf of many
 * (a group commit), whose lines would otherwise carry the first request's id.
 */
export function withoutLogContext<T>(fn: () => T): T {
  return context.exit(fn);
}

export interface LoggerOptions {
  /** Process role, added to every line (`api`, `worker`). */
  name: string;
  /** @defaultValue 'info' */
  level?: Level | 'silent';
  /** Where lines go. @defaultValue stdout, written asynchronously (see `standardOutput`) */
  destination?: DestinationStream;
}

/**
 * Standard output, written without blocking up to `warn`: while one write is under way the
 * lines logged meanwhile gather and go out together in the next, so a busy API writes a few
 * times per batch of requests instead of once per request line, and a line logged while
 * nothing else is waiting goes out at once. Lines still buffered when the process exits are
 * written synchronously by pino's exit hook; a process killed outright (SIGKILL) loses them,
 * and a write under way at exit may not finish. So `error` and `fatal` lines, rare and the
 * ones a person needs when a process dies (an uncaught crash, a failed start-up), are written
 * synchronously, at once: they may come out before lines of a moment earlier (`time` orders
 * them).
 */
function standardOutput(): DestinationStream {
  return pino.multistream(
    [
      { level: 'trace', stream: pino.destination({ dest: 1, sync: false }) },
      { level: 'error', stream: pino.destination({ dest: 1, sync: true }) },
    ],
    { dedupe: true },
  );
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
      // A fresh object each time: pino merges the line's own fields into what this returns.
      mixin: () => ({ ...context.getStore() }),
    },
    options.destination ?? standardOutput(),
  );
}
