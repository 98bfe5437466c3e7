import {
  createApplication,
  findApplication,
  listApplications,
  markApplicationDeleted,
  updateApplication,
  type ApplicationWrite,
} from '@hookrail/db';
import { isId } from '@hookrail/ids';
import { taskProgress } from '@hookrail/queue';
import { conflict, notFound } from '../http/api-error.ts';
import { listQuery } from '../http/list-query.ts';
import { tenantOf } from '../http/locals.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import { fieldError } from '../http/validate.ts';
import {
  applicationIn,
  applicationList,
  applicationOut,
  applicationOutSchema,
  applicationPatch,
  createApplicationQuery,
} from '../schemas/applications.ts';
import { queueAfterCommit, type RouteDeps } from './deps.ts';

function written(result: ApplicationWrite) {
  if (!result.ok) throw conflict('Another application already has this uid.');
  return applicationOut(result.app);
}

const tag = 'Application';

/** /api/v1/app: the tenant's applications; `{app_id}` is an id or the tenant's uid. */
export function applicationRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;
  routes.add(
    {
      method: 'post',
      path: '/app',
      operationId: 'v1.application.create',
      summary: 'Create an application',
      tag,
      access: 'tenant',
      query: createApplicationQuery,
      body: applicationIn,
      responses: { 201: applicationOutSchema, 200: applicationOutSchema },
    },
    async ({ res, query, body }) => {
      const tenantId = tenantOf(res);
      const result = await createApplication(db, tenantId, body);
      if (!result.ok && query.get_if_exists && body.uid !== null) {
        // get_if_exists: the application with this uid is the answer, unchanged.
        const existing = await findApplication(db, tenantId, body.uid);
        if (existing !== undefined) {
          res.status(200).json(applicationOut(existing));
          return;
        }
      }
      res.status(201).json(written(result));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app',
      operationId: 'v1.application.list',
      summary: 'List applications',
      tag,
      access: 'tenant',
      query: listQuery('ascending'),
      responses: { 200: applicationList },
    },
    async ({ res, query }) => {
      const page = await listApplications(db, tenantOf(res), query);
      res.json({ ...page, data: page.data.map(applicationOut) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id',
      operationId: 'v1.application.get',
      summary: 'Get an application',
      tag,
      access: 'app',
      loadApp: true,
      responses: { 200: applicationOutSchema },
    },
    ({ res, app }) => {
      res.json(applicationOut(app));
    },
  );

  routes.add(
    {
      method: 'put',
      path: '/app/:app_id',
      operationId: 'v1.application.update',
      summary: 'Replace an application (creates it when addressed by a new uid)',
      tag,
      access: 'tenant',
      body: applicationIn,
      responses: { 200: applicationOutSchema, 201: applicationOutSchema },
    },
    async ({ req, res, body }) => {
      const tenantId = tenantOf(res);
      const ref = pathParam(req, 'app_id');
      const existing = await findApplication(db, tenantId, ref);
      if (existing !== undefined) {
        const result = await updateApplication(db, tenantId, existing.id, body);
        if (result === undefined) throw notFound('application');
        await deps.lookups.invalidate(tenantId);
        res.json(written(result));
        return;
      }
      if (isId('application', ref)) throw notFound('application');
      if (body.uid !== null && body.uid !== ref) {
        throw fieldError(['body', 'uid'], 'must match the uid in the path when creating by uid');
      }
      res.status(201).json(written(await createApplication(db, tenantId, { ...body, uid: ref })));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/app/:app_id',
      operationId: 'v1.application.patch',
      summary: 'Change some fields of an application',
      tag,
      access: 'tenant',
      loadApp: true,
      body: applicationPatch,
      responses: { 200: applicationOutSchema },
    },
    async ({ res, body, app }) => {
      const result = await updateApplication(db, app.tenantId, app.id, body);
      if (result === undefined) throw notFound('application');
      await deps.lookups.invalidate(app.tenantId);
      res.json(written(result));
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/app/:app_id',
      operationId: 'v1.application.delete',
      summary: 'Delete an application, its endpoints and messages',
      description:
        'Answers 204 at once, however long its history: from then on the application is gone ' +
        'for every request (404), its uid is free for a new application, and what it still ' +
        'had to send is canceled. Its endpoints, messages, deliveries and attempts are purged ' +
        'in the background shortly after.',
      tag,
      access: 'tenant',
      loadApp: true,
      responses: { 204: null },
    },
    async ({ res, app }) => {
      // Marking is one row: the purge of what it holds is the worker's housekeeping.
      const canceledTasks = await markApplicationDeleted(db, app.tenantId, app.id);
      if (canceledTasks === undefined) throw notFound('application');
      await deps.lookups.invalidate(app.tenantId);
      // Status stream connections of this application's portal and stream tokens are checked
      // again now on every instance (and refused), not at their next periodic check; the
      // tenant's watchers see the retry tasks the deletion canceled end.
      await queueAfterCommit(deps, [], { appId: app.id }, [
        ...canceledTasks.map(taskProgress),
        { tenantId: app.tenantId, type: 'credentials.changed', data: {} },
      ]);
      res.status(204).end();
    },
  );
}
