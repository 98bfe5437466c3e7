import {
  getTask,
  type TaskRow,
  findApplication,
  findEndpoint,
  findMessage,
  type ApplicationRow,
  type Db,
  type EndpointRow,
  type MessageRow,
} from '@hookrail/db';
import { isId } from '@hookrail/ids';
import type { Response } from 'express';
import { notFound } from '../http/api-error.ts';
import { tenantOf } from '../http/locals.ts';

/**
 * The caller's application by id or uid. Another tenant's, or (for an app portal token)
 * another application than the token's, is as absent as a missing one.
 */
export async function requireApp(db: Db, res: Response, ref: string): Promise<ApplicationRow> {
  const app = await findApplication(db, tenantOf(res), ref);
  const only = res.locals.auth?.appId;
  if (app === undefined || (only !== undefined && app.id !== only)) throw notFound('application');
  return app;
}

/** A live endpoint of the application by id or uid. */
export async function requireEndpoint(
  db: Db,
  app: ApplicationRow,
  ref: string,
): Promise<EndpointRow> {
  const endpoint = await findEndpoint(db, { tenantId: app.tenantId, appId: app.id }, ref);
  if (endpoint === undefined) throw notFound('endpoint');
  return endpoint;
}

/** A message of the application by id or by the tenant's eventId. */
export async function requireMessage(
  db: Db,
  app: ApplicationRow,
  ref: string,
): Promise<MessageRow> {
  const message = await findMessage(db, { tenantId: app.tenantId, appId: app.id }, ref);
  if (message === undefined) throw notFound('message');
  return message;
}

/** A background task of the caller's tenant. */
export async function requireTask(db: Db, res: Response, id: string): Promise<TaskRow> {
  const task = isId('task', id) ? await getTask(db, tenantOf(res), id) : undefined;
  if (task === undefined) throw notFound('task');
  return task;
}
