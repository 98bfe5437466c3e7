import { performance } from 'node:perf_hooks';
import { BlockedAddressError, type OutboundGuard } from '@hookrail/outbound';
import { Agent, request } from 'undici';

/** How much of a response body is kept with the attempt. */
export const excerptBytes = 4096;

export interface SendOutcome {
  /** The HTTP status, when a response arrived. */
  statusCode: number | null;
  /** The start of the response body, at most 4 KiB, decoded as UTF-8. */
  excerpt: string | null;
  /** Why the exchange did not complete, as `code: explanation`; null when it did. */
  error: string | null;
  durationMs: number;
  /** The `Retry-After` header, as sent. */
  retryAfter: string | undefined;
}

export interface Sender {
  /** POSTs `body`; never throws for anything the receiver or the network does. */
  send(url: string, headers: Record<string, string>, body: string): Promise<SendOutcome>;
  close(): Promise<void>;
}

function describe(error: unknown, timeoutMs: number, phase: 'request' | 'body'): string {
  if (error instanceof BlockedAddressError) return `blocked_address: ${error.message}`;
  const code =
    typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError' || code.endsWith('TIMEOUT')) {
    const where = phase === 'body' ? 'reading the response body' : 'waiting for a response';
    return `timeout: no complete response within ${timeoutMs / 1000} s (${where})`;
  }
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return `connection_refused: ${message}`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `connection_reset: ${message}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dns_error: ${message}`;
    default:
      return code.startsWith('ERR_TLS') || code.startsWith('CERT') || code.includes('SSL')
        ? `tls_error: ${message}`
        : `network_error: ${message}`;
  }
}

/**
 * Sends webhooks over keep-alive connection pools (one per origin, via undici's Agent).
 * Redirects are never followed: a 3xx is an answer like any other non-2xx. The whole exchange,
 * connection to last byte read, is bounded by `timeoutMs`, and at most `excerptBytes` of the
 * body are read; a longer body is cut off rather than drained.
 */
export function createSender(options: { timeoutMs: number; guard: OutboundGuard }): Sender {
  const { timeoutMs, guard } = options;
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    // Every connection resolves its host through the guard, and goes to the checked address.
    connect: { timeout: timeoutMs, lookup: guard.lookup },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const decoder = () => new TextDecoder('utf-8', { fatal: false });

  return {
    async send(url, headers, body) {
      const started = performance.now();
      // Literal addresses and the scheme are judged here: no lookup sees them.
      const verdict = guard.checkUrl(url);
      if (!verdict.ok) {
        return {
          statusCode: null,
          excerpt: null,
          error: `${verdict.code}: ${verdict.detail}`,
          durationMs: 0,
          retryAfter: undefined,
        };
      }
      const signal = AbortSignal.timeout(timeoutMs);
      let statusCode: number | null = null;
      let retryAfter: string | undefined;
      const parts: Buffer[] = [];
      let size = 0;
      let error: string | null = null;
      try {
        const response = await request(url, {
          method: 'POST',
          headers,
          body,
          dispatcher: agent,
          signal,
        });
        statusCode = response.statusCode;
        const header = response.headers['retry-after'];
        retryAfter = Array.isArray(header) ? header[0] : header;
        try {
          for await (const chunk of response.body as AsyncIterable<Buffer>) {
            const part = chunk.subarray(0, excerptBytes - size);
            parts.push(part);
            size += part.length;
            if (size >= excerptBytes) break; // leaving the loop destroys the rest of the body
          }
        } catch (caught) {
          error = describe(caught, timeoutMs, 'body');
        }
      } catch (caught) {
        error = describe(caught, timeoutMs, 'request');
      }
      return {
        statusCode,
        excerpt: statusCode === null ? null : excerpt(parts),
        error,
        durationMs: Math.round(performance.now() - started),
        retryAfter,
      };
    },
    close: () => agent.close(),
  };

  function excerpt(parts: Buffer[]): string {
    // Postgres text cannot hold NUL; a cut multi-byte character becomes U+FFFD.
    return decoder().decode(Buffer.concat(parts)).replaceAll('\u0000', '\uFFFD');
  }
}
