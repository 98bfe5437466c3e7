import {
  abandonedAfterSeconds,
  claimIdempotencyKey,
  completeIdempotencyKey,
  isUnavailableError,
  releaseIdempotencyKey,
  type Db,
} from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import type { Vault } from '@hookrail/secrets';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler, Response } from 'express';
import { hash } from 'node:crypto';
import { ApiError } from './api-error.ts';
import { tenantOf } from './locals.ts';

/** How long a key's first response is kept and replayed. */
const keyTtlMs = 24 * 60 * 60 * 1000;
/** How long a request waits for another one holding the same key. */
const waitForHolderMs = 15_000;
const keyPattern = /^[\x21-\x7e]{1,255}$/;

/**
 * SHA-256 of the raw request body, taken by the JSON parser as it reads it, for the
 * idempotency fingerprint: only a request with an Idempotency-Key needs it.
 */
export function recordBodyHash(req: IncomingMessage, res: Response, body: Buffer): void {
  if (req.headers['idempotency-key'] === undefined) return;
  res.locals.bodyHash = hash('sha256', body, 'hex');
}

/**
 * Idempotency-Key on POST: the first request with a key (per caller, for 24 hours) does the
 * work and its response is stored; the same key with the same request gets that response
 * again without the work being done twice, also when both arrive at once (the second waits
 * for the first). The same key with a different request answers 409. A 5xx or 429 response is
 * not stored, so a retry after a failure (or after Retry-After) does the work.
 *
 * When Postgres is unreachable as the response is stored (or the key given back), the write
 * is tried again in the background until it lands or the claim would count as abandoned
 * anyway; meanwhile the key answers 409 `idempotency_key_in_use`.
 *
 * A key belongs to its caller's namespace: the tenant for API keys, the application for an
 * app portal token. A portal token never gets, nor learns of, a response stored under a key
 * its tenant (or another application's token) used. This runs inside each route, after its
 * access check, so a stored response is only ever answered to a caller allowed on the route;
 * the fingerprint (method, path, body) keeps a key to the request it was first used for.
 */
export function idempotency(db: Db, vault: Vault, logger: Logger): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (req.method !== 'POST' || key === undefined) {
      next();
      return;
    }
    if (!keyPattern.test(key)) {
      throw new ApiError(
        400,
        'invalid_idempotency_key',
        'Idempotency-Key must be 1 to 255 printable ASCII characters.',
      );
    }
    const tenantId = tenantOf(res);
    const scope = res.locals.auth?.appId ?? 'tenant';
    const fingerprint = hash(
      'sha256',
      `${req.method} ${req.originalUrl} ${res.locals.bodyHash ?? ''}`,
      'hex',
    );

    const deadline = Date.now() + waitForHolderMs;
    let token: string;
    for (;;) {
      const claim = await claimIdempotencyKey(db, {
        tenantId,
        scope,
        key,
        fingerprint,
        ttlMs: keyTtlMs,
      });
      if (claim.kind === 'mismatch') {
        throw new ApiError(
          409,
          'idempotency_key_reused',
          'This Idempotency-Key was already used with a different request; use a new key for a new request.',
        );
      }
      if (claim.kind === 'replay') {
        res.status(claim.status).setHeader('idempotent-replayed', 'true');
        // Stored responses are sealed: they can hold credentials (a portal token, say).
        if (claim.body === '') res.end();
        else res.type('application/json').send(vault.openText(claim.body));
        return;
      }
      if (claim.kind === 'claimed') {
        token = claim.token;
        break;
      }
      if (Date.now() > deadline) {
        throw new ApiError(
          409,
          'idempotency_key_in_use',
          'A request with this Idempotency-Key is still running; retry shortly.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    // Store the response before it leaves, so that a request racing this one and waiting
    // for the key sees exactly what this one answers.
    const end = res.end.bind(res) as (chunk?: unknown, encoding?: BufferEncoding) => Response;
    const storeThenEnd = (chunk?: unknown, encoding?: unknown) => {
      const body =
        typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
      const settle = async () => {
        // Nothing was done: a retry must do the work.
        if (res.statusCode >= 500 || res.statusCode === 429) {
          await releaseIdempotencyKey(db, { tenantId, scope, key, token });
        } else {
          const sealed = body === '' ? '' : vault.seal(body);
          await completeIdempotencyKey(db, {
            tenantId,
            scope,
            key,
            token,
            status: res.statusCode,
            body: sealed,
          });
        }
      };
      settle()
        .catch((error: unknown) => {
          logger.warn({ err: error, requestId: res.locals.requestId }, 'idempotency record failed');
          if (isUnavailableError(error)) settleInBackground(settle, logger, res.locals.requestId);
        })
        .finally(() =>
          end(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : undefined),
        );
      return res;
    };
    // res.end has several overloads; every one of them reaches this with (chunk?, encoding?).
    res.end = storeThenEnd as Response['end'];
    next();
  };
}

/**
 * Tries an idempotency write again every second while Postgres is unreachable, until the
 * claim would count as abandoned (after which the key can be claimed again anyway).
 */
function settleInBackground(settle: () => Promise<void>, logger: Logger, requestId: unknown): void {
  const giveUpAt = Date.now() + abandonedAfterSeconds * 1000;
  const retry = () => {
    settle().then(
      () => logger.info({ requestId }, 'idempotency record written after all'),
      (error: unknown) => {
        if (isUnavailableError(error) && Date.now() + 1000 < giveUpAt) {
          setTimeout(retry, 1000).unref();
        } else {
          logger.warn(
            { err: error, requestId },
            'idempotency record given up; the key frees itself',
          );
        }
      },
    );
  };
  setTimeout(retry, 1000).unref();
}
