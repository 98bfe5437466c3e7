import {
  createApplication,
  deleteApplication,
  findApplication,
  listApplications,
  updateApplication,
  type ApplicationWrite,
  type Db,
} from '@hookrail/db';
import { isId } from '@hookrail/ids';
import { Router } from 'express';
import { conflict, notFound } from '../http/api-error.ts';
import { listQuery } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import { fieldError, parse } from '../http/validate.ts';
import {
  applicationIn,
  applicationOut,
  applicationPatch,
  createApplicationQuery,
} from '../schemas/applications.ts';
import { requireApp } from './lookups.ts';

const appList = listQuery('ascending');

function written(result: ApplicationWrite) {
  if (!result.ok) throw conflict('Another application already has this uid.');
  return applicationOut(result.app);
}

/** /api/v1/app: the tenant's applications; `{app_id}` is an id or the tenant's uid. */
export function applicationRoutes(db: Db): Router {
  const router = Router();

  router.post('/app', async (req, res) => {
    const tenantId = tenantOf(res);
    const { get_if_exists: getIfExists } = parse('query', createApplicationQuery, req.query);
    const fields = parse('body', applicationIn, req.body);
    const result = await createApplication(db, tenantId, fields);
    if (!result.ok && getIfExists && fields.uid !== null) {
      // get_if_exists: the application with this uid is the answer, unchanged.
      const existing = await findApplication(db, tenantId, fields.uid);
      if (existing !== undefined) {
        res.status(200).json(applicationOut(existing));
        return;
      }
    }
    res.status(201).json(written(result));
  });

  router.get('/app', async (req, res) => {
    const page = await listApplications(db, tenantOf(res), parse('query', appList, req.query));
    res.json({ ...page, data: page.data.map(applicationOut) });
  });

  router.get('/app/:app_id', async (req, res) => {
    res.json(applicationOut(await requireApp(db, tenantOf(res), req.params.app_id)));
  });

  // PUT replaces the application; addressed by a uid that does not exist yet, it creates one
  // with that uid (201), as Svix does.
  router.put('/app/:app_id', async (req, res) => {
    const tenantId = tenantOf(res);
    const ref = req.params.app_id;
    const fields = parse('body', applicationIn, req.body);
    const existing = await findApplication(db, tenantId, ref);
    if (existing !== undefined) {
      const result = await updateApplication(db, tenantId, existing.id, fields);
      if (result === undefined) throw notFound('application');
      res.json(written(result));
      return;
    }
    if (isId('application', ref)) throw notFound('application');
    if (fields.uid !== null && fields.uid !== ref) {
      throw fieldError(['body', 'uid'], 'must match the uid in the path when creating by uid');
    }
    res.status(201).json(written(await createApplication(db, tenantId, { ...fields, uid: ref })));
  });

  router.patch('/app/:app_id', async (req, res) => {
    const tenantId = tenantOf(res);
    const app = await requireApp(db, tenantId, req.params.app_id);
    const fields = parse('body', applicationPatch, req.body);
    const result = await updateApplication(db, tenantId, app.id, fields);
    if (result === undefined) throw notFound('application');
    res.json(written(result));
  });

  router.delete('/app/:app_id', async (req, res) => {
    const tenantId = tenantOf(res);
    const app = await requireApp(db, tenantId, req.params.app_id);
    if (!(await deleteApplication(db, tenantId, app.id))) throw notFound('application');
    res.status(204).end();
  });

  return router;
}
