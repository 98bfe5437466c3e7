import { z } from 'zod';
import type { RouteSpec } from '../http/routes.ts';
import { sessionCookie } from '../http/session.ts';
import { errorOut, validationErrorOut } from '../schemas/common.ts';
import { toJsonSchema, type JsonSchema } from './json-schema.ts';

type Spec = RouteSpec & { base: string };

const statusText: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  400: 'Bad request (invalid_json, invalid_idempotency_key, invalid_path)',
  401: 'Missing or invalid credentials (unauthorized)',
  403: 'Not allowed with an app portal token (forbidden)',
  404: 'No such resource, or not yours (not_found)',
  409: 'Conflict (conflict, idempotency_key_reused)',
  413: 'Body too large (payload_too_large)',
  422: 'Invalid input (validation): one entry per problem',
  429: 'Too many failed authentications from this address (auth_throttled), or messages from this tenant (rate_limited); see Retry-After',
  503: 'A dependency is unavailable; retry later (unavailable)',
};

/** `/app/:app_id` → `/app/{app_id}` */
export function openApiPath(spec: Spec): string {
  return `${spec.base}${spec.path}`.replace(/:(\w+)/g, '{$1}');
}

function queryParameters(spec: Spec, components: Record<string, JsonSchema>): JsonSchema[] {
  if (!spec.query) return [];
  const schema = toJsonSchema(spec.query, 'input', components) as {
    properties?: Record<string, JsonSchema>;
    required?: string[];
  };
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: schema.required?.includes(name) ?? false,
      ...(typeof description === 'string' && { description }),
      schema: rest,
    };
  });
}

function pathParameters(spec: Spec, components: Record<string, JsonSchema>): JsonSchema[] {
  const declared = spec.params
    ? ((toJsonSchema(spec.params, 'input', components).properties ?? {}) as Record<
        string,
        JsonSchema
      >)
    : {};
  return [...`${spec.base}${spec.path}`.matchAll(/:(\w+)/g)].map(([, name = '']) => ({
    name,
    in: 'path',
    required: true,
    description: name.endsWith('_id')
      ? 'An id, or your uid for the resource where it has one.'
      : undefined,
    schema: declared[name] ?? { type: 'string' },
  }));
}

function responses(spec: Spec, components: Record<string, JsonSchema>): JsonSchema {
  const out: Record<string, JsonSchema> = {};
  for (const [status, schema] of Object.entries(spec.responses)) {
    out[status] = {
      description: statusText[Number(status)] ?? 'Response',
      ...(schema && {
        content: { 'application/json': { schema: toJsonSchema(schema, 'output', components) } },
      }),
    };
  }
  const error = (status: number, schema: z.ZodType = errorOut) => {
    out[String(status)] ??= {
      description: statusText[status],
      content: { 'application/json': { schema: toJsonSchema(schema, 'output', components) } },
    };
  };
  if (spec.access !== 'public') error(401);
  if (spec.access === 'tenant') error(403);
  if (spec.access !== 'public') error(404);
  if (spec.body || spec.path.includes(':')) error(400);
  if (spec.body) error(413);
  if (spec.body || spec.query || spec.params) error(422, validationErrorOut);
  if (spec.access !== 'public') error(429);
  if (spec.access !== 'public') error(503);
  return out;
}

/**
 * The OpenAPI 3.1 document of every registered route, generated from the zod schemas the
 * routes validate with.
 */
export function openApiDocument(
  specs: readonly Spec[],
  info: { version: string; serverUrl: string },
): JsonSchema {
  const components: Record<string, JsonSchema> = {};
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of specs) {
    const operation: JsonSchema = {
      operationId: spec.operationId,
      summary: spec.summary,
      tags: [spec.tag],
      security:
        spec.access === 'public'
          ? []
          : spec.access === 'admin'
            ? [{ AdminToken: [] }]
            : [{ ApiKey: [] }, { DashboardSession: [] }],
      parameters: [...pathParameters(spec, components), ...queryParameters(spec, components)],
      ...(spec.body && {
        requestBody: {
          required: true,
          content: { 'application/json': { schema: toJsonSchema(spec.body, 'input', components) } },
        },
      }),
      responses: responses(spec, components),
      ...((spec.description !== undefined || spec.access === 'app') && {
        description: [
          spec.description,
          spec.access !== 'app'
            ? undefined
            : spec.sharedWithPortals === true || spec.ownSession === true
              ? 'Also callable with an app portal token.'
              : 'Also callable with an app portal token for the application in the path.',
        ]
          .filter((part) => part !== undefined)
          .join(' '),
      }),
    };
    const path = openApiPath(spec);
    paths[path] = { ...paths[path], [spec.method]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Hookrail API',
      version: info.version,
      description:
        'Self-hosted webhook delivery. The tenant API follows the shapes of Svix v1, so Svix client libraries work against it.',
    },
    servers: [{ url: info.serverUrl }],
    paths,
    components: {
      schemas: Object.fromEntries(
        Object.entries(components).sort(([a], [b]) => a.localeCompare(b)),
      ),
      securitySchemes: {
        ApiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A tenant API key (hrk_...), or an app portal token limited to one application.',
        },
        AdminToken: { type: 'http', scheme: 'bearer', description: 'The operator admin token.' },
        DashboardSession: {
          type: 'apiKey',
          in: 'cookie',
          name: sessionCookie,
          description:
            'The dashboard session (POST /api/v1/dashboard/session). Requests other than GET must also send the X-Hookrail-CSRF header from the same origin.',
        },
      },
    },
  };
}

export const openApiOut = z.record(z.string(), z.unknown()).meta({ id: 'OpenApiDocument' });
