import { withLogContext } from '@hookrail/logger';
import { attr, type Tracing } from '@hookrail/telemetry';
import type { RequestHandler } from 'express';

/** A well-formed W3C `traceparent` (version 00). */
const traceparentPattern = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * One server span per REST API request, named by the route it matched
 * (`POST /api/v1/app/:app_id/msg`), or by its method alone when none did. It carries the
 * operation, the caller's tenant id and the status: never the path itself (it holds
 * application uids the tenant chose), its query string, or a header. Handlers reach the span as
 * `res.locals.span` to hang their own spans under it.
 *
 * A caller's `traceparent` is linked, not adopted as the parent: the API is a public endpoint,
 * so a caller may not place Hookrail's spans into a trace of its choosing; a trace viewer
 * still leads from the caller's span to this one. Every line logged while the request is served
 * carries the span's `traceId` and `spanId`. Only mounted when tracing is on.
 */
export function traceRequests(tracing: Tracing): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('traceparent');
    const span = tracing.startSpan(req.method, {
      kind: 'server',
      attributes: { [attr.httpMethod]: req.method, [attr.urlScheme]: req.protocol },
      ...(incoming !== undefined && traceparentPattern.test(incoming) && { links: [incoming] }),
    });
    res.locals.span = span;
    let ended = false;
    const finish = () => {
      if (ended) return;
      ended = true;
      const route = res.locals.route;
      if (route !== undefined) span.rename(`${req.method} ${route.path}`);
      span.set({
        [attr.httpStatus]: res.statusCode,
        ...(route && { [attr.httpRoute]: route.path, [attr.operation]: route.operationId }),
        ...(res.locals.auth && { [attr.tenantId]: res.locals.auth.tenantId }),
      });
      // A 4xx is the caller's; only the server failing fails a server span.
      if (res.statusCode >= 500) span.fail(String(res.statusCode));
      span.end();
    };
    res.once('finish', finish);
    res.once('close', finish); // a connection closed before the response ended
    withLogContext(span.ids() ?? {}, next);
  };
}
