import { ConfigError } from '@hookrail/config';
import type { Logger } from '@hookrail/logger';

/**
 * Runs a process's start-up. A configuration error is printed as the list of variables to fix
 * and the process exits 78 (EX_CONFIG) without a stack trace; anything else is fatal as usual.
 */
export async function boot<T>(start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
}

export interface ShutdownOptions {
  logger: Logger;
  /** Stops accepting work, drains, and closes connections in reverse order of opening. */
  close: () => Promise<void>;
  /** After this long the process exits 1 even if closing has not finished. @defaultValue 30000 */
  timeoutMs?: number;
}

/** On SIGTERM or SIGINT: close cleanly and exit 0; a second signal or the deadline exits 1. */
export function exitOnSignal(options: ShutdownOptions): void {
  let closing = false;
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
    options.close().then(
      () => {
        options.logger.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        options.logger.error({ err: error }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
