import type { Logger } from '@hookrail/logger';

export interface DatabaseWatch {
  /** Reports that Postgres could not be reached; the watch takes it from there. */
  down(): void;
  readonly isDown: boolean;
  stop(): void;
}

/**
 * While Postgres is unreachable the worker takes no jobs: `onDown` pauses it, the watch pings
 * Postgres every `everyMs`, and `onUp` resumes it once Postgres answers again. Nobody has to
 * step in.
 */
export function createDatabaseWatch(options: {
  ping: () => Promise<void>;
  onDown: () => void;
  onUp: () => void;
  logger: Logger;
  everyMs?: number;
}): DatabaseWatch {
  let isDown = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    options.ping().then(
      () => {
        if (stopped) return;
        isDown = false;
        options.logger.info('postgres is back; taking jobs again');
        options.onUp();
      },
      () => {
        if (!stopped) timer = setTimeout(check, options.everyMs ?? 500);
      },
    );
  };
  return {
    down() {
      if (isDown || stopped) return;
      isDown = true;
      options.logger.warn('postgres is unreachable; taking no jobs until it answers');
      options.onDown();
      timer = setTimeout(check, options.everyMs ?? 500);
    },
    get isDown() {
      return isDown;
    },
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
