import { withLogContext, type Logger } from '@hookrail/logger';
import type { RequestHandler } from 'express';
import { randomFillSync } from 'node:crypto';

export const requestIdHeader = 'x-request-id';
const acceptedId = /^[A-Za-z0-9._:-]{1,128}$/;

/** Random bytes per request id. */
const idBytes = 12;
/**
 * Request ids are cut from a buffer of random bytes filled once per 512 requests: asking the
 * system for 12 bytes on every request cost more CPU than anything else the id does.
 */
const idPool = Buffer.alloc(idBytes * 512);
let idOffset = idPool.length;

function newRequestId(): string {
  if (idOffset === idPool.length) {
    randomFillSync(idPool);
    idOffset = 0;
  }
  const id = idPool.toString('base64url', idOffset, idOffset + idBytes);
  idOffset += idBytes;
  return `req_${id}`;
}

/**
 * Gives every request an id (the caller's `X-Request-Id` when it is sane), echoes it in the
 * response, puts it on every line logged while the request is served (`withLogContext`), and
 * logs one line per request when it finishes. The line carries the path
 * without its query string (query strings are where credentials end up by accident), and the
 * ids of the request's span when it is traced.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const given = req.get(requestIdHeader);
    const requestId = given !== undefined && acceptedId.test(given) ? given : newRequestId();
    res.locals.requestId = requestId;
    res.setHeader(requestIdHeader, requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      logger.info(
        {
          requestId,
          method: req.method,
          path: req.originalUrl.split('?')[0],
          status: res.statusCode,
          durationMs: Number(process.hrtime.bigint() - started) / 1e6,
          tenantId: res.locals.auth?.tenantId,
          ...res.locals.span?.ids(),
        },
        'request',
      );
    });
    withLogContext({ requestId }, next);
  };
}
