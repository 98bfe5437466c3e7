/**
 * How long closing a BullMQ queue or worker may wait for Redis to confirm that a connection
 * ended. BullMQ awaits ioredis' `end` event with no limit, and that event does not always
 * come (taskforcesh/bullmq#4065, seen with Redis Cluster and with several workers on one
 * server): past this, the connections are dropped instead.
 * @defaultValue 5000
 */
export const closeTimeoutMs = 5000;

/**
 * Waits for `closing` for at most `ms`; past that, calls `drop` (which disconnects without
 * waiting) and goes on. Errors of either are not the caller's concern: the process is
 * shutting down, and Redis forgets a dropped connection by itself.
 */
export async function boundedClose(
  closing: Promise<unknown>,
  drop: () => unknown,
  ms = closeTimeoutMs,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const done = await Promise.race([
    closing.then(
      () => true,
      () => true,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  if (!done) {
    try {
      await Promise.resolve(drop());
    } catch {
      // dropping is the last resort; nothing is left to do if it fails
    }
  }
}
