import {
  createEndpoint,
  findEndpoint,
  currentSecret,
  deleteEndpoint,
  listEndpoints,
  updateEndpoint,
  type ApplicationRow,
  type Db,
  type EndpointFields,
  type EndpointWrite,
} from '@hookrail/db';
import { isId } from '@hookrail/ids';
import { formatSecret, generateSecret, parseSecret } from '@hookrail/signing';
import { Router } from 'express';
import { conflict, notFound } from '../http/api-error.ts';
import { listQuery } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import { fieldError, parse } from '../http/validate.ts';
import { endpointIn, endpointOut, endpointPatch, endpointUpdate } from '../schemas/endpoints.ts';
import { requireApp, requireEndpoint } from './lookups.ts';

const endpointList = listQuery('ascending');

function written(result: EndpointWrite) {
  if (result.ok) return endpointOut(result.endpoint);
  if (result.reason === 'uid_taken')
    throw conflict('Another endpoint of this application already has this uid.');
  throw fieldError(
    ['body', 'filterTypes'],
    `names event types that do not exist or are archived: ${result.names.join(', ')}; create them first`,
  );
}

/** /api/v1/app/{app_id}/endpoint: the application's subscriber URLs. */
export function endpointRoutes(db: Db): Router {
  const router = Router();

  /** `key` is the secret's bytes when the caller chose one; otherwise one is generated. */
  async function create(app: ApplicationRow, fields: EndpointFields, key: Buffer | null) {
    const bytes = key ?? parseSecret(generateSecret());
    if (bytes === undefined) throw new Error('a generated secret failed to parse');
    const secret = { kind: 'hmac' as const, key: bytes.toString('base64') };
    return createEndpoint(db, { tenantId: app.tenantId, appId: app.id }, fields, secret);
  }

  router.post('/app/:app_id/endpoint', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    const input = parse('body', endpointIn, req.body);
    res.status(201).json(written(await create(app, input.fields, input.secret)));
  });

  router.get('/app/:app_id/endpoint', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    const query = parse('query', endpointList, req.query);
    const page = await listEndpoints(db, { tenantId: app.tenantId, appId: app.id }, query);
    res.json({ ...page, data: page.data.map(endpointOut) });
  });

  router.get('/app/:app_id/endpoint/:endpoint_id', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    res.json(endpointOut(await requireEndpoint(db, app, req.params.endpoint_id)));
  });

  // PUT replaces the endpoint (not its secret or headers); addressed by a uid that does not
  // exist yet, it creates one with that uid (201), as Svix does.
  router.put('/app/:app_id/endpoint/:endpoint_id', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    const ref = req.params.endpoint_id;
    const fields = parse('body', endpointUpdate, req.body);
    const scope = { tenantId: app.tenantId, appId: app.id };
    const existing = await findEndpoint(db, scope, ref);
    if (existing !== undefined) {
      const result = await updateEndpoint(db, scope, existing.id, fields);
      if (result === undefined) throw notFound('endpoint');
      res.json(written(result));
      return;
    }
    if (isId('endpoint', ref)) throw notFound('endpoint');
    if (fields.uid !== null && fields.uid !== ref) {
      throw fieldError(['body', 'uid'], 'must match the uid in the path when creating by uid');
    }
    res.status(201).json(written(await create(app, { ...fields, uid: ref, headers: {} }, null)));
  });

  router.patch('/app/:app_id/endpoint/:endpoint_id', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    const endpoint = await requireEndpoint(db, app, req.params.endpoint_id);
    const fields = parse('body', endpointPatch, req.body);
    const result = await updateEndpoint(
      db,
      { tenantId: app.tenantId, appId: app.id },
      endpoint.id,
      fields,
    );
    if (result === undefined) throw notFound('endpoint');
    res.json(written(result));
  });

  router.delete('/app/:app_id/endpoint/:endpoint_id', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    const endpoint = await requireEndpoint(db, app, req.params.endpoint_id);
    if (!(await deleteEndpoint(db, { tenantId: app.tenantId, appId: app.id }, endpoint.id))) {
      throw notFound('endpoint');
    }
    res.status(204).end();
  });

  router.get('/app/:app_id/endpoint/:endpoint_id/secret', async (req, res) => {
    const app = await requireApp(db, tenantOf(res), req.params.app_id);
    const endpoint = await requireEndpoint(db, app, req.params.endpoint_id);
    const secret = await currentSecret(db, app.tenantId, endpoint.id);
    if (secret === undefined) throw notFound('endpoint');
    res.json({ key: formatSecret(Buffer.from(secret.key, 'base64')) });
  });

  return router;
}
