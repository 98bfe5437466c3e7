import { isIP } from 'node:net';
import { z } from 'zod';

/** An integer variable within bounds. */
export function integer(min: number, max: number) {
  return z.coerce
    .number({ error: `must be an integer between ${min} and ${max}` })
    .int({ error: `must be an integer between ${min} and ${max}` })
    .min(min, { error: `must be an integer between ${min} and ${max}` })
    .max(max, { error: `must be an integer between ${min} and ${max}` });
}

/** `true`/`false` (also `1`/`0`, `yes`/`no`). */
export const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** An absolute URL with one of the given schemes. */
export function url(schemes: readonly string[]) {
  return z.string().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    { error: `must be a URL starting with ${schemes.map((s) => `${s}://`).join(' or ')}` },
  );
}

const sizeUnits: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** A size such as `512kb`, `1mb` or `1048576` (bytes), as a number of bytes. */
export const byteSize = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, { error: 'must be a size such as 512kb or 1mb' })
  .transform((value) => {
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value);
    const amount = Number(match?.[1]);
    const unit = (match?.[2] ?? '').toLowerCase() || 'b';
    return Math.floor(amount * (sizeUnits[unit] ?? 1));
  })
  .refine((bytes) => bytes >= 1024, { error: 'must be at least 1kb' });

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
  error: 'must be one of fatal, error, warn, info, debug, trace, silent',
});

/**
 * The Redis key prefix. It is wrapped in a hash tag (`{prefix}`, or `{prefix#k}` for the
 * delivery queue's partitions) wherever it is used, so that the keys of each script share a
 * Redis Cluster slot; braces (or a '#') inside it would break that.
 */
export const redisPrefix = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, {
  error: 'must be 1-64 letters, digits, dots, dashes or underscores',
});

/** Comma-separated values, trimmed, empty ones dropped. */
export const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);

/**
 * Comma-separated `host:port` pairs (`10.0.0.1:7000,10.0.0.2:7000`; `[::1]:7000` for IPv6), as
 * a list of nodes.
 */
export const hostPortList = commaList.pipe(
  z
    .array(
      z
        .string()
        .regex(/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, {
          error: 'must be host:port pairs separated by commas, e.g. 10.0.0.1:7000,10.0.0.2:7000',
        })
        .transform((pair) => {
          const colon = pair.lastIndexOf(':');
          return {
            host: pair.slice(0, colon).replace(/^\[|\]$/g, ''),
            port: Number(pair.slice(colon + 1)),
          };
        })
        .refine(({ port }) => port >= 1 && port <= 65535, { error: 'ports are 1-65535' }),
    )
    .min(1, { error: 'must name at least one host:port' }),
);

const durationUnits: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** A duration such as `90s`, `15m`, `12h`, `5d` or `30` (seconds), as milliseconds. */
export const duration = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(ms|s|m|h|d)?$/i, {
    error: 'must be a duration such as 30s, 15m, 12h or 5d',
  })
  .transform((value) => {
    const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(value);
    return Math.round(
      Number(match?.[1]) * (durationUnits[(match?.[2] ?? '').toLowerCase() || 's'] ?? 1000),
    );
  });

/** A number of seconds (decimals allowed), as milliseconds. */
export function seconds(max: number) {
  return z.coerce
    .number({ error: `must be a number of seconds up to ${max}` })
    .nonnegative({ error: `must be a number of seconds up to ${max}` })
    .max(max, { error: `must be a number of seconds up to ${max}` })
    .transform((value) => Math.round(value * 1000));
}

/** Comma-separated networks in CIDR form (`127.0.0.0/8,::1/128`); a bare address is one host. */
export const networkList = commaList.refine(
  (networks) =>
    networks.every((network) => {
      const [address = '', bits] = network.split('/');
      const family = isIP(address);
      if (family === 0) return false;
      if (bits === undefined) return true;
      return /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
    }),
  { error: 'must be comma-separated networks such as 10.0.0.0/8,127.0.0.1/32,::1/128' },
);
