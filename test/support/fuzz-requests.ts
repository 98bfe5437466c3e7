import fc from 'fast-check';
import {
  encodeSegment,
  hostileSegments,
  valueOf,
  type JsonSchema,
  type SchemaContext,
} from './fuzz-values.ts';

/** One operation of the served OpenAPI document. */
export interface Operation {
  method: string;
  /** The OpenAPI path, `{app_id}` style. */
  path: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  body: JsonSchema | undefined;
  credential: 'admin' | 'tenant' | 'none';
}

/** A request ready to send: the body is text, sent exactly as it is. */
export interface FuzzRequest {
  method: string;
  path: string;
  body: string | undefined;
  headers: Record<string, string>;
  credential: Operation['credential'] | 'wrong';
}

interface OpenApiParameter {
  name: string;
  in: string;
  schema?: JsonSchema;
}

/** Every operation of the document, destructive ones (DELETE) last. */
export function operationsOf(document: Record<string, unknown>): Operation[] {
  const operations: Operation[] = [];
  const paths = document.paths as Record<string, Record<string, Record<string, unknown>>>;
  for (const [path, methods] of Object.entries(paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const parameters = (op.parameters ?? []) as OpenApiParameter[];
      const security = JSON.stringify(op.security ?? []);
      const body = op.requestBody as
        { content: Record<string, { schema: JsonSchema }> } | undefined;
      operations.push({
        method: method.toUpperCase(),
        path,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name),
        query: parameters
          .filter((p) => p.in === 'query')
          .map((p) => ({ name: p.name, schema: p.schema ?? {} })),
        body: body?.content['application/json']?.schema,
        credential: security.includes('AdminToken')
          ? 'admin'
          : security.includes('ApiKey')
            ? 'tenant'
            : 'none',
      });
    }
  }
  return operations.sort((a, b) => Number(a.method === 'DELETE') - Number(b.method === 'DELETE'));
}

/** A query or path value as text. */
export function asText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Fills an OpenAPI path with raw (already encoded) segments. */
export function fillPath(path: string, segments: Record<string, string>): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => segments[name] ?? 'missing');
}

/**
 * Requests for one operation: path parameters from `pools` (real ids and uids, so that
 * requests reach the handlers), generated text or hostile raw segments; generated or hostile
 * query values; generated bodies with hostile values mixed in, or raw hostile bodies.
 */
export function requestsFor(
  op: Operation,
  ctx: SchemaContext,
  pools: Record<string, string[]>,
  rawBodies: string[],
): fc.Arbitrary<FuzzRequest> {
  const segment = (name: string) =>
    fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...(pools[name] ?? ['none'])).map(encodeSegment) },
      { weight: 2, arbitrary: fc.string({ maxLength: 30, unit: 'binary' }).map(encodeSegment) },
      { weight: 2, arbitrary: fc.constantFrom(...hostileSegments) },
    );
  const segments = fc.record(Object.fromEntries(op.pathParams.map((n) => [n, segment(n)])));
  const query = fc.array(
    fc.oneof(
      ...op.query.map((q) =>
        valueOf(q.schema, ctx).map((v) => `${q.name}=${encodeSegment(asText(v))}`),
      ),
      fc.constantFrom(...hostileSegments).map((s) => `${op.query[0]?.name ?? 'x'}=${s}`),
    ),
    { maxLength: 3 },
  );
  const body =
    op.body === undefined
      ? fc.constant(undefined)
      : fc.oneof(
          { weight: 9, arbitrary: valueOf(op.body, ctx).map((v) => JSON.stringify(v)) },
          { weight: 1, arbitrary: fc.constantFrom(...rawBodies) },
        );
  const idempotencyKey = fc.option(fc.constantFrom('fz-a', 'fz-b', 'fz-c'), { freq: 3 });
  const credential = fc.oneof(
    { weight: 19, arbitrary: fc.constant(op.credential) },
    { weight: 1, arbitrary: fc.constant('wrong' as const) },
  );
  return fc
    .record({ segments, query, body, idempotencyKey, credential })
    .map(({ segments, query, body, idempotencyKey, credential }) => ({
      method: op.method,
      path: fillPath(op.path, segments) + (query.length > 0 ? `?${query.join('&')}` : ''),
      body,
      headers: {
        ...(body !== undefined && { 'content-type': 'application/json' }),
        ...(idempotencyKey !== null &&
          op.method === 'POST' && { 'idempotency-key': idempotencyKey }),
      },
      credential,
    }));
}
