import type { Logger } from 'pino';

/** Logs a warning of a kind at most once per interval. */
export type ThrottledWarn = (
  kind: string,
  fields: Record<string, unknown>,
  message: string,
) => void;

/**
 * While Redis or Postgres is away, every job and request meets the same failure; one line
 * per occurrence would bury everything else. A warning of a `kind` is written at most once
 * per `everyMs`; the next one written says how many were left out since (`suppressed`).
 */
export function throttledWarnings(
  logger: Logger,
  options: { everyMs?: number; now?: () => number } = {},
): ThrottledWarn {
  const everyMs = options.everyMs ?? 10_000;
  const now = options.now ?? Date.now;
  const kinds = new Map<string, { at: number; suppressed: number }>();
  return (kind, fields, message) => {
    const at = now();
    const last = kinds.get(kind);
    if (last !== undefined && at - last.at < everyMs) {
      last.suppressed += 1;
      return;
    }
    const suppressed = last?.suppressed ?? 0;
    kinds.set(kind, { at, suppressed: 0 });
    logger.warn(suppressed > 0 ? { ...fields, suppressed } : fields, message);
  };
}
