import { ConfigError, listenError, StartupError } from '@hookrail/config';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { hidePasswords, type Logger } from '@hookrail/logger';

/**
 * Reads a process's configuration. When it is invalid, prints the variables to fix and exits
 * 78 (EX_CONFIG) without a stack trace, and without the password of any URL it quotes.
 */
export function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${hidePasswords(error.message)}\n`);
      process.exit(78);
    }
    throw error;
  }
}

export interface Stoppable {
  /** Stops accepting work, drains, and closes connections in reverse order of opening. */
  close(): Promise<void>;
}

export interface ServeOptions {
  logger: Logger;
  /**
   * Starts the process's work (migrations, connections, servers). `signal` aborts on SIGTERM
   * or SIGINT during start-up: what can stop at once (waiting for Postgres) should.
   */
  start: (signal: AbortSignal) => Promise<Stoppable>;
  /** After this long the process exits 1 even if closing has not finished. @defaultValue 30000 */
  timeoutMs?: number;
}

/**
 * Ends the process on an uncaught exception or an unhandled rejection: one `fatal` line
 * through `logger`, whose error serializer hides the password of a connection URL the error
 * quotes, then exit 1. Listening for both events is what keeps Node from printing the raw
 * error and its stack on stderr. On standard output a `fatal` line is written synchronously
 * (see @hookrail/logger), so it is out before the process exits.
 */
export function exitOnCrash(logger: Logger): void {
  const crash = (error: unknown, origin: 'uncaughtException' | 'unhandledRejection') => {
    try {
      logger.fatal({ err: error, origin }, 'uncaught error; exiting');
    } finally {
      process.exit(1);
    }
  };
  process.on('uncaughtException', (error) => crash(error, 'uncaughtException'));
  process.on('unhandledRejection', (reason) => crash(reason, 'unhandledRejection'));
}

/**
 * Runs a process until SIGTERM or SIGINT, then closes it cleanly and exits 0. The handlers
 * are in place before start-up begins: a signal during start-up aborts what can stop at once
 * (exit 0), or waits for start-up to finish, then closes. A second signal, a failed close, or
 * the deadline exits 1. A start-up that fails with a StartupError prints its one line and
 * exits 78 (EX_CONFIG), as invalid configuration does; any other failure exits 1. Neither
 * prints the password of a connection URL its error quotes. An uncaught exception or
 * unhandled rejection at any time is one log line and exit 1 (`exitOnCrash`).
 */
export function serve(options: ServeOptions): void {
  exitOnCrash(options.logger);
  const startup = new AbortController();
  const running = options.start(startup.signal);
  let started = false;
  let closing = false;
  running.then(
    () => {
      started = true;
    },
    (error: unknown) => {
      if (startup.signal.aborted) {
        options.logger.info('stopped during start-up');
        process.exit(0);
      }
      if (error instanceof StartupError || error instanceof ConfigError) {
        process.stderr.write(`Cannot start: ${hidePasswords(error.message)}\n`);
        process.exit(78);
      }
      options.logger.fatal({ err: error }, 'start-up failed');
      process.exit(1);
    },
  );
  const onSignal = (signal: NodeJS.Signals) => {
    if (closing) {
      options.logger.warn({ signal }, 'second signal; exiting now');
      process.exit(1);
    }
    closing = true;
    options.logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      options.logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, options.timeoutMs ?? 30_000);
    deadline.unref();
    if (!started) startup.abort(new Error(`${signal} during start-up`));
    // A start-up that fails or is aborted is handled above.
    void running.then(
      (stoppable) =>
        stoppable.close().then(
          () => {
            options.logger.info('stopped');
            process.exit(0);
          },
          (error: unknown) => {
            options.logger.error({ err: error }, 'error while shutting down');
            process.exit(1);
          },
        ),
      () => undefined,
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

/** For start-up: logs each failed try to reach Postgres, without its connection string. */
export function waitingForPostgres(logger: Logger): (error: unknown, retryInMs: number) => void {
  return (error, retryInMs) => {
    const reason = hidePasswords(error instanceof Error ? error.message : String(error));
    logger.warn({ reason, retryInMs }, 'postgres unreachable at start-up; retrying');
  };
}

/**
 * Fails at once with the StartupError of `listenError` when `port` (read from `variable`) is
 * taken or not allowed, by listening on it (all interfaces, as the servers do) and closing
 * again. Called before waiting for Postgres, so that a port in use is named at once rather
 * than after the start-up wait; the server's own listen still reports one taken meanwhile.
 * Port 0 (any free port) is never taken.
 */
export async function ensurePortFree(port: number, variable: string): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  try {
    probe.listen(port);
    await once(probe, 'listening');
  } catch (error) {
    throw listenError(error, port, variable);
  } finally {
    await new Promise((resolve) => probe.close(resolve));
  }
}
