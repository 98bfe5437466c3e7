/**
 * A password in a URL's user info (`postgres://user:pass@host/db`, `redis://:pass@host`), up to
 * the last `@` of the word it is in: a password may hold an `@` or a `/` its writer did not
 * percent-encode, and hiding too much is better than showing part of one.
 */
const inUrl = /([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*):\S*@/gi;

/** The same without a scheme, as in `user:pass@host:port` (a Redis Cluster node, mistyped). */
const inPair = /(^|[\s,;"'(=])([^\s,;"'(=/:@]*):(?!\/\/)\S*@/g;

/**
 * `text` with the password of every connection URL in it replaced by `***`
 * (`postgres://user:***@host/db`), also in a `user:password@host` pair: for every message or
 * log line that may quote a DATABASE_URL, a REDIS_URL or a Redis node (a configuration error,
 * a start-up failure, an error from a driver).
 */
export function hidePasswords(text: string): string {
  if (!text.includes('@')) return text;
  return text.replace(inUrl, '$1:***@').replace(inPair, '$1$2:***@');
}
