/**
 * Thrown while a process starts when something outside it is set up wrongly (credentials,
 * a database, a port): the message is one line naming what to fix, without secrets, and the
 * process exits 78 (EX_CONFIG) like it does for a `ConfigError`. `cause` keeps the original.
 */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/**
 * A failure to listen on `port` (read from `variable`) as a StartupError when the port is
 * taken or not allowed; any other error is returned unchanged.
 */
export function listenError(error: unknown, port: number, variable: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return new StartupError(
      `port ${port} is already in use (${variable}): stop what listens on it or set ${variable} to a free port`,
      { cause: error },
    );
  if (code === 'EACCES')
    return new StartupError(
      `this process may not listen on port ${port} (${variable}): choose a port above 1023`,
      { cause: error },
    );
  return error;
}
