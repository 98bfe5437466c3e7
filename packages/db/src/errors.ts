interface PgLikeError {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  message?: unknown;
  cause?: unknown;
}

/** Errors from drizzle wrap the driver's error in `cause`; walk down to the one with a code. */
function* causes(error: unknown): Generator<PgLikeError> {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const e: PgLikeError = current;
    yield e;
    current = e.cause;
  }
}

/** The SQLSTATE (or Node socket error code) of a database error, if there is one. */
export function pgErrorCode(error: unknown): string | undefined {
  for (const e of causes(error)) if (typeof e.code === 'string') return e.code;
  return undefined;
}

/** A unique constraint was violated, optionally a specific one. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (const e of causes(error)) {
    if (e.code === '23505') return constraint === undefined || e.constraint === constraint;
  }
  return false;
}

/** A NOT NULL constraint of `table` was violated. */
export function isNotNullViolation(error: unknown, table: string): boolean {
  for (const e of causes(error)) {
    if (e.code === '23502') return e.table === table;
  }
  return false;
}

/**
 * A transaction Postgres rolled back to resolve a conflict with another one (a deadlock, a
 * serialization failure) or because a lock was not granted within its `lock_timeout`: nothing
 * of it was written, and the same work sent again may well succeed.
 */
export function isConflictError(error: unknown): boolean {
  const code = pgErrorCode(error);
  return code === '40P01' || code === '40001' || code === '55P03';
}

const unavailableCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '55000', // database not accepting connections (ALLOW_CONNECTIONS false)
]);

const unavailableMessages = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Cannot use a pool after calling end',
];

/**
 * True when Postgres could not be reached or dropped the connection: the request may succeed
 * later, and the API answers 503 rather than 500.
 */
export function isUnavailableError(error: unknown): boolean {
  for (const e of causes(error)) {
    if (typeof e.code === 'string' && (unavailableCodes.has(e.code) || e.code.startsWith('08'))) {
      return true;
    }
    if (
      typeof e.message === 'string' &&
      unavailableMessages.some((m) => String(e.message).includes(m))
    ) {
      return true;
    }
  }
  return false;
}
