import {
  createTenant,
  getTenant,
  issueApiKey,
  listApiKeys,
  listTenants,
  markTenantDeleted,
  revokeApiKey,
  updateTenant,
  type Db,
} from '@hookrail/db';
import { isId, type Id } from '@hookrail/ids';
import type { Lookups } from '../cache/lookups.ts';
import { notFound } from '../http/api-error.ts';
import { listQuery } from '../http/list-query.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import {
  apiKeyCreatedOut,
  apiKeyIn,
  apiKeyList,
  apiKeyOut,
  tenantCreatedOut,
  tenantIn,
  tenantList,
  tenantOut,
  tenantOutSchema,
  tenantPatch,
} from '../schemas/tenants.ts';

const tag = 'Operator';

/** The operator API, mounted at /api/v1/admin behind the admin token. */
/**
 * `credentialsRevoked` tells every API instance's status stream to check its connections of
 * that tenant again at once, instead of at its next periodic check.
 */
export function adminRoutes(
  routes: RouteTable,
  db: Db,
  lookups: Lookups,
  credentialsRevoked: (tenantId: Id<'tenant'>) => void = () => undefined,
): void {
  async function requireTenant(ref: string) {
    const tenant = isId('tenant', ref) ? await getTenant(db, ref) : undefined;
    if (tenant === undefined) throw notFound('tenant');
    return tenant;
  }

  routes.add(
    {
      method: 'post',
      path: '/tenants',
      operationId: 'hookrail.admin.create-tenant',
      summary: 'Create a tenant and its first API key (shown once)',
      tag,
      access: 'admin',
      body: tenantIn,
      responses: { 201: tenantCreatedOut },
    },
    async ({ res, body }) => {
      const { tenant, apiKey, key } = await createTenant(db, body);
      res.status(201).json({ ...tenantOut(tenant), apiKey: key, apiKeyId: apiKey.id });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/tenants',
      operationId: 'hookrail.admin.list-tenants',
      summary: 'List tenants',
      tag,
      access: 'admin',
      query: listQuery('ascending'),
      responses: { 200: tenantList },
    },
    async ({ res, query }) => {
      const page = await listTenants(db, query);
      res.json({ ...page, data: page.data.map(tenantOut) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/tenants/:tenant_id',
      operationId: 'hookrail.admin.get-tenant',
      summary: 'Get a tenant and its settings',
      tag,
      access: 'admin',
      responses: { 200: tenantOutSchema },
    },
    async ({ req, res }) => {
      res.json(tenantOut(await requireTenant(pathParam(req, 'tenant_id'))));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/tenants/:tenant_id',
      operationId: 'hookrail.admin.update-tenant',
      summary:
        'Rename a tenant or change its settings (header names, schema validation, ingest limit)',
      tag,
      access: 'admin',
      body: tenantPatch,
      responses: { 200: tenantOutSchema },
    },
    async ({ req, res, body }) => {
      const tenant = await requireTenant(pathParam(req, 'tenant_id'));
      const updated = await updateTenant(db, tenant.id, { name: body.name, ...body.settings });
      if (updated === undefined) throw notFound('tenant');
      await lookups.invalidate(tenant.id);
      res.json(tenantOut(updated));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/tenants/:tenant_id',
      operationId: 'hookrail.admin.delete-tenant',
      summary: 'Delete a tenant: its keys stop working at once and its data is purged',
      description:
        'Answers 204 at once, however much the tenant holds: from then on its API keys, portal ' +
        'links, dashboard sessions and status stream connections are refused, and what it ' +
        'still had to send is canceled. Its rows are purged in the background shortly after.',
      tag,
      access: 'admin',
      responses: { 204: null },
    },
    async ({ req, res }) => {
      const id = pathParam(req, 'tenant_id');
      // Marking is one row: the purge of what it holds is the worker's housekeeping.
      if (!isId('tenant', id) || !(await markTenantDeleted(db, id))) throw notFound('tenant');
      await lookups.invalidate(id);
      credentialsRevoked(id);
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/tenants/:tenant_id/api-keys',
      operationId: 'hookrail.admin.create-api-key',
      summary: 'Issue another API key for a tenant (shown once)',
      tag,
      access: 'admin',
      body: apiKeyIn,
      responses: { 201: apiKeyCreatedOut },
    },
    async ({ req, res, body }) => {
      const tenant = await requireTenant(pathParam(req, 'tenant_id'));
      const { row, key } = await issueApiKey(db, {
        tenantId: tenant.id,
        name: body.name ?? 'unnamed',
      });
      res.status(201).json({ ...apiKeyOut(row), key });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/tenants/:tenant_id/api-keys',
      operationId: 'hookrail.admin.list-api-keys',
      summary: "List a tenant's API keys (never the keys themselves)",
      tag,
      access: 'admin',
      query: listQuery('ascending'),
      responses: { 200: apiKeyList },
    },
    async ({ req, res, query }) => {
      const tenant = await requireTenant(pathParam(req, 'tenant_id'));
      const page = await listApiKeys(db, tenant.id, query);
      res.json({ ...page, data: page.data.map(apiKeyOut) });
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/tenants/:tenant_id/api-keys/:key_id',
      operationId: 'hookrail.admin.revoke-api-key',
      summary: 'Revoke an API key at once',
      tag,
      access: 'admin',
      responses: { 204: null },
    },
    async ({ req, res }) => {
      const tenant = await requireTenant(pathParam(req, 'tenant_id'));
      const keyId = pathParam(req, 'key_id');
      if (!isId('apiKey', keyId) || !(await revokeApiKey(db, tenant.id, keyId))) {
        throw notFound('API key');
      }
      await lookups.invalidate(tenant.id);
      credentialsRevoked(tenant.id);
      res.status(204).end();
    },
  );
}
