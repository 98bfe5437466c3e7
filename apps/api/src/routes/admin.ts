import {
  createTenant,
  deleteTenant,
  getTenant,
  issueApiKey,
  listApiKeys,
  listTenants,
  revokeApiKey,
  type Db,
} from '@hookrail/db';
import { isId } from '@hookrail/ids';
import { Router } from 'express';
import { notFound } from '../http/api-error.ts';
import { listQuery } from '../http/list-query.ts';
import { parse } from '../http/validate.ts';
import { apiKeyIn, apiKeyOut, tenantIn, tenantOut } from '../schemas/tenants.ts';

const tenantList = listQuery('ascending');

/** The operator API, mounted at /api/v1/admin behind the admin token. */
export function adminRoutes(db: Db): Router {
  const router = Router();

  async function requireTenant(ref: string) {
    const tenant = isId('tenant', ref) ? await getTenant(db, ref) : undefined;
    if (tenant === undefined) throw notFound('tenant');
    return tenant;
  }

  router.post('/tenants', async (req, res) => {
    const input = parse('body', tenantIn, req.body);
    const { tenant, apiKey, key } = await createTenant(db, input);
    res.status(201).json({ ...tenantOut(tenant), apiKey: key, apiKeyId: apiKey.id });
  });

  router.get('/tenants', async (req, res) => {
    const query = parse('query', tenantList, req.query);
    const page = await listTenants(db, query);
    res.json({ ...page, data: page.data.map(tenantOut) });
  });

  router.get('/tenants/:tenant_id', async (req, res) => {
    res.json(tenantOut(await requireTenant(req.params.tenant_id)));
  });

  router.delete('/tenants/:tenant_id', async (req, res) => {
    const id = req.params.tenant_id;
    if (!isId('tenant', id) || !(await deleteTenant(db, id))) throw notFound('tenant');
    res.status(204).end();
  });

  router.post('/tenants/:tenant_id/api-keys', async (req, res) => {
    const tenant = await requireTenant(req.params.tenant_id);
    const input = parse('body', apiKeyIn, req.body ?? {});
    const { row, key } = await issueApiKey(db, {
      tenantId: tenant.id,
      name: input.name ?? 'unnamed',
    });
    res.status(201).json({ ...apiKeyOut(row), key });
  });

  router.get('/tenants/:tenant_id/api-keys', async (req, res) => {
    const tenant = await requireTenant(req.params.tenant_id);
    const query = parse('query', tenantList, req.query);
    const page = await listApiKeys(db, tenant.id, query);
    res.json({ ...page, data: page.data.map(apiKeyOut) });
  });

  router.delete('/tenants/:tenant_id/api-keys/:key_id', async (req, res) => {
    const tenant = await requireTenant(req.params.tenant_id);
    const keyId = req.params.key_id;
    if (!isId('apiKey', keyId) || !(await revokeApiKey(db, tenant.id, keyId))) {
      throw notFound('API key');
    }
    res.status(204).end();
  });

  return router;
}
