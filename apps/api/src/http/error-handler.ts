import { isConflictError, isUnavailableError } from '@hookrail/db';
import { throttledWarnings, type Logger } from '@hookrail/logger';
import type { Metrics } from '@hookrail/telemetry';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ApiError, notFound } from './api-error.ts';
import { notSupportedError } from './not-supported.ts';

/** Errors raised by express's body parser carry a `type`; map them to our codes. */
function fromBodyParser(error: unknown): ApiError | undefined {
  if (typeof error !== 'object' || error === null || !('type' in error)) return undefined;
  const limit = 'limit' in error ? Number(error.limit) : undefined;
  switch (error.type) {
    case 'entity.too.large':
      return new ApiError(
        413,
        'payload_too_large',
        `The request body is larger than the limit of ${limit ?? 'the server'} bytes.`,
      );
    case 'entity.parse.failed':
      return new ApiError(400, 'invalid_json', 'The request body is not valid JSON.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError(415, 'unsupported_media_type', 'Send the body as UTF-8 JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApiError(400, 'bad_request', 'The request body was incomplete.');
    default:
      return undefined;
  }
}

export const unknownRoute: RequestHandler = (req) => {
  throw notSupportedError(req.path) ?? notFound('route');
};

/** `POST /api/v1/app/{app}/msg`: the refusals of this route are counted by code. */
const ingestPath = /^\/api\/v1\/app\/[^/]+\/msg\/?$/;

/**
 * Renders every error as `{code, detail}`. Unexpected errors become a 500 that names the
 * request id (to find the logged stack) and never the stack itself.
 */
export function errorHandler(logger: Logger, metrics?: Metrics): ErrorRequestHandler {
  // While Postgres is away every request meets it: one line per 10 s, counting the rest.
  const warn = throttledWarnings(logger);
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const isIngest = req.method === 'POST' && ingestPath.test(req.originalUrl.split('?')[0] ?? '');
    const requestId = res.locals.requestId;
    let apiError = error instanceof ApiError ? error : fromBodyParser(error);
    // The router could not decode a path parameter (`%E0%A4%A`, `%ED%A0%80`).
    if (apiError === undefined && error instanceof URIError) {
      apiError = new ApiError(
        400,
        'invalid_path',
        'The path is not valid percent-encoded UTF-8; encode each parameter with encodeURIComponent.',
      );
    }
    if (apiError === undefined && isUnavailableError(error)) {
      warn('database', { requestId, err: error }, 'database unavailable');
      apiError = new ApiError(503, 'unavailable', 'The database is unavailable; retry shortly.');
    }
    if (apiError === undefined && isConflictError(error)) {
      // A write Postgres rolled back to break a deadlock or a lock wait (ingest has already
      // sent its statement twice): nothing was written, and the same request may succeed.
      warn('lock-conflict', { requestId, err: error }, 'database lock conflict; answered 503');
      apiError = new ApiError(
        503,
        'unavailable',
        'The database was busy with a conflicting change; nothing was written; retry shortly.',
      );
    }
    if (apiError === undefined) {
      logger.error(
        { requestId, err: error, method: req.method, path: req.path },
        'unexpected error',
      );
      if (isIngest) metrics?.ingestRefused('internal');
      res.status(500).json({
        code: 'internal',
        detail: `Unexpected error. Quote request id ${requestId} when reporting it.`,
      });
      return;
    }
    if (isIngest) metrics?.ingestRefused(apiError.code);
    if (apiError.status === 503) res.setHeader('retry-after', '5');
    res.status(apiError.status).json({ code: apiError.code, detail: apiError.detail });
  };
}
