import {
  countRetryable,
  createEndpoint,
  createMessage,
  createTask,
  currentSecret,
  deleteEndpoint,
  endpointStats,
  findEndpoint,
  getEventType,
  listEndpoints,
  patchEndpointHeaders,
  rotateSecret,
  updateEndpoint,
  emitOperationalEvents,
  type ApplicationRow,
  type EndpointFields,
  type EndpointRow,
  type EndpointWrite,
  type EndpointWriteOptions,
  type NewDelivery,
  type SecretMaterial,
} from '@hookrail/db';
import { isId, type Id } from '@hookrail/ids';
import { resetEndpointBreaker } from '@hookrail/queue';
import type { Vault } from '@hookrail/secrets';
import {
  formatSecret,
  generateAsymmetricKey,
  generateSecret,
  parseSecret,
  publicKeyOf,
  type SigningKey,
} from '@hookrail/signing';
import { conflict, notFound } from '../http/api-error.ts';
import { listQuery } from '../http/list-query.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import { fieldError } from '../http/validate.ts';
import {
  endpointHeadersIn,
  endpointHeadersOut,
  endpointHeadersOutSchema,
  endpointHeadersPatchIn,
  endpointIn,
  endpointList,
  endpointOut,
  endpointOutSchema,
  endpointPatch,
  endpointSecretOut,
  endpointStatsOut,
  endpointStatsQuery,
  endpointUpdate,
  eventExampleIn,
  recoverIn,
  secretRotateIn,
} from '../schemas/endpoints.ts';
import { messageOut, messageOutSchema } from '../schemas/messages.ts';
import { taskOut, taskOutSchema } from '../schemas/tasks.ts';
import { checkEndpointUrl, queueAfterCommit, type RouteDeps } from './deps.ts';
import { requireApp, requireEndpoint } from './lookups.ts';

const tag = 'Endpoint';
const defaultGraceMs = 24 * 60 * 60 * 1000;

export function written(result: EndpointWrite) {
  if (result.ok) return endpointOut(result.endpoint);
  if (result.reason === 'uid_taken')
    throw conflict('Another endpoint of this application already has this uid.');
  throw fieldError(
    ['body', 'filterTypes'],
    `names event types that do not exist or are archived: ${result.names.join(', ')}; create them first`,
  );
}

/** A new secret, sealed for storage: the caller's, or freshly generated of `kind`. */
export function secretMaterial(
  vault: Vault,
  given: SigningKey | null | undefined,
  kind: 'hmac' | 'ed25519' = 'hmac',
): SecretMaterial {
  const secret = given ?? generateSigningKey(kind);
  return { kind: secret.kind, key: vault.seal(secret.key) };
}

function generateSigningKey(kind: 'hmac' | 'ed25519'): SigningKey {
  if (kind === 'ed25519') return { kind, key: generateAsymmetricKey() };
  const key = parseSecret(generateSecret());
  if (key === undefined) throw new Error('a generated secret failed to parse');
  return { kind, key };
}

/**
 * Rotates to the given key, or to a new one of the same kind as the current secret; the old
 * one keeps signing for the grace period (default 24 hours).
 */
export async function rotate(
  deps: Pick<RouteDeps, 'db' | 'vault'>,
  scope: { tenantId: Id<'tenant'>; endpointId: Id<'endpoint'> },
  body: { key?: SigningKey | null | undefined; gracePeriodSeconds?: number | null | undefined },
): Promise<void> {
  const kind =
    body.key?.kind ?? (await currentSecret(deps.db, scope.tenantId, scope.endpointId))?.kind;
  const graceMs = body.gracePeriodSeconds == null ? defaultGraceMs : body.gracePeriodSeconds * 1000;
  await rotateSecret(deps.db, scope, secretMaterial(deps.vault, body.key, kind), graceMs);
}

/**
 * What the API shows of a secret: an HMAC secret itself (`whsec_`), or for an ed25519 key only
 * its public half (`whpk_`): the private key never leaves Hookrail.
 */
export function shownSecret(vault: Vault, secret: SecretMaterial): string {
  const key = vault.open(secret.key);
  return secret.kind === 'ed25519' ? publicKeyOf(key) : formatSecret(key);
}

/** endpoint.created/updated/deleted for the tenant's operational webhooks, raised with the change. */
function raiseEndpointEvent(app: ApplicationRow): EndpointWriteOptions {
  return {
    raise: (tx, endpoint, change) =>
      emitOperationalEvents(tx, app.tenantId, [
        {
          type: `endpoint.${change}`,
          data: {
            appId: app.id,
            appUid: app.uid,
            endpointId: endpoint.id,
            endpointUid: endpoint.uid,
          },
        },
      ]),
  };
}

/** /api/v1/app/{app_id}/endpoint: the application's subscriber URLs. */
export function endpointRoutes(routes: RouteTable, deps: RouteDeps): void {
  const { db } = deps;
  const scopeOf = (app: ApplicationRow) => ({ tenantId: app.tenantId, appId: app.id });

  async function create(
    app: ApplicationRow,
    fields: EndpointFields,
    key: SigningKey | null,
    keyType: 'hmac' | 'ed25519' = 'hmac',
  ) {
    const secret = secretMaterial(deps.vault, key, keyType);
    return after(await createEndpoint(db, scopeOf(app), fields, secret, raiseEndpointEvent(app)));
  }

  /** Queues the events a write raised, and passes the write on. */
  async function after<T extends { followUps: NewDelivery[] } | { ok: false }>(
    result: T,
  ): Promise<T> {
    if ('followUps' in result) {
      const jobs = result.followUps.map((d) => ({
        deliveryId: d.id,
        endpointId: d.endpointId,
        attempt: 1,
      }));
      await queueAfterCommit(deps, jobs, { event: 'endpoint' });
    }
    return result;
  }

  /** A disabled endpoint enabled again starts with a closed breaker (best effort: Redis may be away). */
  async function reopened(before: EndpointRow, disabled: boolean | undefined) {
    if (!before.disabled || disabled !== false) return;
    await resetEndpointBreaker(deps.redis, deps.redisPrefix, before.id).catch((error: unknown) => {
      deps.logger.warn(
        { err: error, endpointId: before.id },
        'could not reset the circuit breaker',
      );
    });
  }

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/endpoint',
      operationId: 'v1.endpoint.create',
      summary: 'Create an endpoint',
      tag,
      access: 'app',
      body: endpointIn,
      responses: { 201: endpointOutSchema },
    },
    async ({ req, res, body }) => {
      checkEndpointUrl(deps, body.fields.url);
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      res.status(201).json(written(await create(app, body.fields, body.secret, body.keyType)));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint',
      operationId: 'v1.endpoint.list',
      summary: 'List endpoints',
      tag,
      access: 'app',
      query: listQuery('ascending'),
      responses: { 200: endpointList },
    },
    async ({ req, res, query }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      const page = await listEndpoints(db, scopeOf(app), query);
      res.json({ ...page, data: page.data.map(endpointOut) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint/:endpoint_id',
      operationId: 'v1.endpoint.get',
      summary: 'Get an endpoint',
      tag,
      access: 'app',
      responses: { 200: endpointOutSchema },
    },
    async ({ req, res }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      res.json(endpointOut(await requireEndpoint(db, app, pathParam(req, 'endpoint_id'))));
    },
  );

  routes.add(
    {
      method: 'put',
      path: '/app/:app_id/endpoint/:endpoint_id',
      operationId: 'v1.endpoint.update',
      summary:
        'Replace an endpoint (not its secret or headers); creates it when addressed by a new uid',
      tag,
      access: 'app',
      body: endpointUpdate,
      responses: { 200: endpointOutSchema, 201: endpointOutSchema },
    },
    async ({ req, res, body }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      checkEndpointUrl(deps, body.url);
      const ref = pathParam(req, 'endpoint_id');
      const existing = await findEndpoint(db, scopeOf(app), ref);
      if (existing !== undefined) {
        const result = await updateEndpoint(
          db,
          scopeOf(app),
          existing.id,
          body,
          raiseEndpointEvent(app),
        );
        if (result === undefined) throw notFound('endpoint');
        await after(result);
        await reopened(existing, body.disabled);
        res.json(written(result));
        return;
      }
      if (isId('endpoint', ref)) throw notFound('endpoint');
      if (body.uid !== null && body.uid !== ref) {
        throw fieldError(['body', 'uid'], 'must match the uid in the path when creating by uid');
      }
      res.status(201).json(written(await create(app, { ...body, uid: ref, headers: {} }, null)));
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/app/:app_id/endpoint/:endpoint_id',
      operationId: 'v1.endpoint.patch',
      summary: 'Change some fields of an endpoint',
      tag,
      access: 'app',
      body: endpointPatch,
      responses: { 200: endpointOutSchema },
    },
    async ({ req, res, body }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      checkEndpointUrl(deps, body.fields.url);
      const result = await updateEndpoint(
        db,
        scopeOf(app),
        endpoint.id,
        body.fields,
        raiseEndpointEvent(app),
      );
      if (result === undefined) throw notFound('endpoint');
      const out = written(await after(result));
      await reopened(endpoint, body.fields.disabled);
      if (body.secret !== undefined) {
        await rotateSecret(
          db,
          { tenantId: app.tenantId, endpointId: endpoint.id },
          secretMaterial(deps.vault, body.secret),
          0,
        );
      }
      res.json(out);
    },
  );

  routes.add(
    {
      method: 'delete',
      path: '/app/:app_id/endpoint/:endpoint_id',
      operationId: 'v1.endpoint.delete',
      summary: 'Delete an endpoint; its pending deliveries are canceled',
      tag,
      access: 'app',
      responses: { 204: null },
    },
    async ({ req, res }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const removed = await after(
        await deleteEndpoint(db, scopeOf(app), endpoint.id, raiseEndpointEvent(app)),
      );
      if (!removed.deleted) throw notFound('endpoint');
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint/:endpoint_id/secret',
      operationId: 'v1.endpoint.get-secret',
      summary: "Get the endpoint's current signing secret",
      tag,
      access: 'app',
      responses: { 200: endpointSecretOut },
    },
    async ({ req, res }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const secret = await currentSecret(db, app.tenantId, endpoint.id);
      if (secret === undefined) throw notFound('endpoint');
      res.json({ key: shownSecret(deps.vault, secret) });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/endpoint/:endpoint_id/secret/rotate',
      operationId: 'v1.endpoint.rotate-secret',
      summary: 'Make a new secret current; the old one keeps signing for a grace period',
      tag,
      access: 'app',
      body: secretRotateIn,
      responses: { 204: null },
    },
    async ({ req, res, body }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      await rotate(deps, { tenantId: app.tenantId, endpointId: endpoint.id }, body);
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint/:endpoint_id/headers',
      operationId: 'v1.endpoint.get-headers',
      summary: "Get the endpoint's custom headers (sensitive values hidden)",
      tag,
      access: 'app',
      responses: { 200: endpointHeadersOutSchema },
    },
    async ({ req, res }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      res.json(endpointHeadersOut(endpoint.headers));
    },
  );

  routes.add(
    {
      method: 'put',
      path: '/app/:app_id/endpoint/:endpoint_id/headers',
      operationId: 'v1.endpoint.update-headers',
      summary: "Replace the endpoint's custom headers",
      tag,
      access: 'app',
      body: endpointHeadersIn,
      responses: { 204: null },
    },
    async ({ req, res, body }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      await updateEndpoint(db, scopeOf(app), endpoint.id, { headers: body.headers });
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'patch',
      path: '/app/:app_id/endpoint/:endpoint_id/headers',
      operationId: 'v1.endpoint.patch-headers',
      summary: 'Set some custom headers and remove others',
      tag,
      access: 'app',
      body: endpointHeadersPatchIn,
      responses: { 204: null },
    },
    async ({ req, res, body }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      await patchEndpointHeaders(db, scopeOf(app), endpoint.id, {
        set: body.headers,
        remove: body.deleteHeaders ?? [],
      });
      res.status(204).end();
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/endpoint/:endpoint_id/recover',
      operationId: 'v1.endpoint.recover',
      summary: 'Re-send every failed delivery of the endpoint since a time, as a background task',
      tag,
      access: 'app',
      body: recoverIn,
      responses: { 202: taskOutSchema },
    },
    async ({ req, res, body }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const scope = {
        tenantId: app.tenantId,
        appId: app.id,
        endpointId: endpoint.id,
        since: new Date(body.since),
        until: body.until == null ? undefined : new Date(body.until),
      };
      const task = await createTask(db, 'endpoint.recover', scope, await countRetryable(db, scope));
      await deps.tasks.start(task.id).catch((error: unknown) => {
        deps.logger.warn({ err: error, taskId: task.id }, 'task created but not queued');
      });
      res.status(202).json(taskOut(task));
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/endpoint/:endpoint_id/send-example',
      operationId: 'v1.endpoint.send-example',
      summary:
        "Send an example message of an event type to this endpoint only (from its schema's examples)",
      tag,
      access: 'app',
      body: eventExampleIn,
      responses: { 202: messageOutSchema },
    },
    async ({ req, res, body }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const eventType = await getEventType(db, app.tenantId, body.eventType);
      if (eventType === undefined)
        throw fieldError(['body', 'eventType'], 'is not an event type of yours');
      const created = await createMessage(
        db,
        {
          tenantId: app.tenantId,
          appId: app.id,
          eventType: eventType.name,
          eventId: null,
          channels: null,
          tags: ['example'],
          payload: JSON.stringify(examplePayload(eventType.schemas, body.exampleIndex ?? 0)),
          deliverAt: null,
        },
        endpoint.id,
      );
      if (!created.ok) throw new Error('an example message without eventId cannot be a duplicate');
      await queueAfterCommit(
        deps,
        created.deliveries.map((d) => ({ deliveryId: d.id, endpointId: d.endpointId, attempt: 1 })),
        { messageId: created.message.id },
      );
      res.status(202).json(messageOut(created.message));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/endpoint/:endpoint_id/stats',
      operationId: 'v1.endpoint.get-stats',
      summary: "Count the endpoint's deliveries by status",
      tag,
      access: 'app',
      query: endpointStatsQuery,
      responses: { 200: endpointStatsOut },
    },
    async ({ req, res, query }) => {
      const app = await requireApp(db, res, pathParam(req, 'app_id'));
      const endpoint = await requireEndpoint(db, app, pathParam(req, 'endpoint_id'));
      const stats = await endpointStats(
        db,
        { tenantId: app.tenantId, endpointId: endpoint.id },
        {
          since: query.since === undefined ? undefined : new Date(query.since),
          until: query.until === undefined ? undefined : new Date(query.until),
        },
      );
      res.json({
        success: stats.succeeded,
        pending: stats.pending,
        sending: stats.sending,
        fail: stats.failed,
        canceled: stats.canceled,
      });
    },
  );
}

/**
 * The example payload of an event type: `examples[index]` of its newest schema version when
 * there is one, else an object naming the type.
 */
function examplePayload(schemas: Record<string, unknown> | null, index: number): object {
  const versions = Object.keys(schemas ?? {}).sort(
    (a, b) => Number(a) - Number(b) || a.localeCompare(b),
  );
  const newest = versions.at(-1);
  const schema = newest === undefined ? undefined : schemas?.[newest];
  if (
    typeof schema === 'object' &&
    schema !== null &&
    'examples' in schema &&
    Array.isArray(schema.examples)
  ) {
    const example: unknown = schema.examples[index];
    if (typeof example === 'object' && example !== null && !Array.isArray(example)) return example;
  }
  return { example: true };
}
