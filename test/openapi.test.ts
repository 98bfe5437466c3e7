import { compileErrors, validate } from '@readme/openapi-parser';
import { createApp } from '@hookrail/api';
import { createLogger } from '@hookrail/logger';
import { outboundGuard } from '@hookrail/outbound';
import { Vault } from '@hookrail/secrets';
import type { Router } from 'express';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';

const env = useTestEnv();
const api = useTestApi(env);

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
}

/** Every route express would serve, found by walking the app's router stack. */
function servedRoutes(router: { stack: Layer[] }): string[] {
  const out: string[] = [];
  for (const layer of router.stack) {
    if (layer.route) {
      for (const method of Object.keys(layer.route.methods))
        out.push(`${method} ${layer.route.path}`);
    } else if (layer.handle.stack) {
      out.push(...servedRoutes({ stack: layer.handle.stack }));
    }
  }
  return out;
}

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 per an independent parser', async () => {
    const document = (await api.anonymous.get('/api/v1/openapi.json')).json();
    expect(document).toMatchObject({ openapi: '3.1.0' });
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? '' : compileErrors(result)).toBe('');
  });

  it('describes every route the API serves, each with its schemas', async () => {
    const built = createApp({
      db: {} as never,
      pingDatabase: () => Promise.resolve(),
      redis: {} as never,
      queue: {} as never,
      tasks: {} as never,
      logger: createLogger({ name: 'test', level: 'silent' }),
      portalTokens: {} as never,
      sessions: {} as never,
      streamTokens: {} as never,
      status: {} as never,
      adminTokenHash: '00',
      maxBodyBytes: 1024,
      publicUrl: 'http://127.0.0.1',
      redisPrefix: 'unused',
      guard: outboundGuard(),
      vault: new Vault(Buffer.alloc(32)),
      invalidations: undefined,
      cacheTtlMs: 0,
    });
    const specs = built.routeTables.flatMap((t) => t.specs);
    const declared = new Set(specs.map((s) => `${s.method} ${s.path}`));
    const served = servedRoutes(
      (built.app as unknown as { router: Router & { stack: Layer[] } }).router,
    );
    expect(served.length).toBeGreaterThan(40);
    // A route registered without going through a RouteTable (and so without schemas) fails here.
    expect(served.filter((route) => !declared.has(route))).toEqual([]);

    const document = (await api.anonymous.get('/api/v1/openapi.json')).json<{
      paths: Record<string, Record<string, { operationId: string; requestBody?: unknown }>>;
    }>();
    const documented = Object.entries(document.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => `${method} ${path}`),
    );
    const expected = specs.map(
      (s) => `${s.method} ${`${s.base}${s.path}`.replace(/:(\w+)/g, '{$1}')}`,
    );
    expect(documented.sort()).toEqual(expected.sort());
    for (const spec of specs.filter((s) => s.body !== undefined)) {
      const path = `${spec.base}${spec.path}`.replace(/:(\w+)/g, '{$1}');
      expect(
        document.paths[path]?.[spec.method]?.requestBody,
        `${spec.method} ${path}`,
      ).toBeDefined();
    }
  });

  it('names the Svix operations the Svix clients call', async () => {
    const document = (await api.anonymous.get('/api/v1/openapi.json')).json<{
      paths: Record<string, Record<string, { operationId: string }>>;
    }>();
    const ids = new Set(
      Object.values(document.paths).flatMap((ops) =>
        Object.values(ops).map((op) => op.operationId),
      ),
    );
    for (const id of [
      'v1.application.create',
      'v1.endpoint.rotate-secret',
      'v1.endpoint.recover',
      'v1.message.create',
      'v1.message-attempt.resend',
      'v1.authentication.app-portal-access',
    ]) {
      expect(ids.has(id), id).toBe(true);
    }
  });

  it('routes and documents every operation of the Svix reference document', async () => {
    // A copy of the Svix OpenAPI document Hookrail is compatible with (test/fixtures).
    const reference = JSON.parse(
      await readFile(new URL('./fixtures/svix-openapi.json', import.meta.url), 'utf8'),
    ) as { paths: Record<string, Record<string, unknown>> };
    const methods = ['get', 'post', 'put', 'patch', 'delete'];
    const operations = Object.entries(reference.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((method) => methods.includes(method))
        .map((method) => ({ method, path })),
    );
    expect(operations.length).toBeGreaterThan(40);

    const document = (await api.anonymous.get('/api/v1/openapi.json')).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    const undocumented = operations.filter(({ method, path }) => !document.paths[path]?.[method]);
    expect(undocumented).toEqual([]);

    // Served: a real request with a tenant key reaches a route (a missing object may answer
    // 404 not_found, but never the unknown-route answer).
    const tenant = await api.newTenant('Reference');
    const unrouted: string[] = [];
    for (const { method, path } of operations) {
      const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => `no-such-${name}`);
      const res = await tenant.client.request(
        method.toUpperCase(),
        concrete,
        method === 'get' || method === 'delete' ? undefined : {},
      );
      if (res.status === 404 && res.json<{ detail?: string }>().detail === 'No such route.') {
        unrouted.push(`${method} ${path}`);
      }
    }
    expect(unrouted).toEqual([]);
  });

  it('is rendered as a readable reference page served without any outside resources', async () => {
    const page = await api.anonymous.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('/api/v1/app/{app_id}/endpoint/{endpoint_id}/secret/rotate');
    expect(page.text).toContain('id="schema-ApplicationIn"');
    // Nothing to fetch from elsewhere: no scripts, no external styles, fonts or images.
    expect(page.text).not.toMatch(/<script|<link|src="http|@import|url\(/);
  });
});
