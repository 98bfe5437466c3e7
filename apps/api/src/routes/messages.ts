import {
  createApplication,
  getEventType,
  hasReceivers,
  listDestinations,
  listMessages,
  pgErrorCode,
  type ApplicationRow,
} from '@hookrail/db';
import { isId } from '@hookrail/ids';
import { attr } from '@hookrail/telemetry';
import type { Response } from 'express';
import { z } from 'zod';
import { conflict, notFound } from '../http/api-error.ts';
import { listQuery, queryDate, queryFlag, queryList } from '../http/list-query.ts';
import { sendJsonText } from '../http/json.ts';
import { tenantOf } from '../http/locals.ts';
import { pathParam, type RouteTable } from '../http/routes.ts';
import { fieldError } from '../http/validate.ts';
import type { PayloadSchemas } from '../payload-schemas/index.ts';
import { channelName, eventTypeName, nameList, token } from '../schemas/common.ts';
import {
  destinationList,
  destinationOut,
  messageIn,
  messageList,
  messageOut,
  messageOutJson,
  messageOutSchema,
} from '../schemas/messages.ts';
import type { MessageWriter } from '../ingest/message-writer.ts';
import { spendTenantRate, tenantRateOf, type TenantRateDefaults } from '../ingest/tenant-rate.ts';
import type { IngestLimiter } from '@hookrail/queue';
import type { RouteDeps } from './deps.ts';
import { requireApp, requireMessage } from './lookups.ts';

const tag = 'Message';
const withContent = z.object({ with_content: queryFlag(true) });

const precheckIn = z
  .strictObject({
    eventType: eventTypeName,
    // [] means no channels, as in a message (an empty overlap test would be an error).
    channels: nameList(channelName, 5).nullable().optional(),
  })
  .meta({ id: 'MessagePrecheckIn' });
const precheckOut = z.object({ active: z.boolean() }).meta({ id: 'MessagePrecheckOut' });

/** /api/v1/app/{app_id}/msg: sending messages and reading them back. */
export function messageRoutes(
  routes: RouteTable,
  deps: RouteDeps & {
    payloadSchemas: PayloadSchemas;
    writer: MessageWriter;
    ingestLimiter: IngestLimiter;
    tenantRate: TenantRateDefaults;
  },
): void {
  const { db, lookups } = deps;

  /**
   * The application in the path (from the cache: ingest reads it on every message), created
   * from `application` when it does not exist yet.
   */
  async function targetApp(
    res: Response,
    ref: string,
    inline: z.output<typeof messageIn>['application'],
  ): Promise<ApplicationRow> {
    const tenantId = tenantOf(res);
    const existing = await lookups.application(tenantId, ref);
    const only = res.locals.auth?.appId;
    if (existing !== undefined || inline == null || only !== undefined) {
      // An app portal token reaches its own application only.
      if (existing === undefined || (only !== undefined && existing.id !== only)) {
        throw notFound('application');
      }
      return existing;
    }
    if (isId('application', ref)) throw notFound('application');
    const created = await createApplication(db, tenantId, { ...inline, uid: ref });
    if (created.ok) return created.app;
    return requireApp(db, res, ref); // created meanwhile by a concurrent request
  }

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/msg',
      operationId: 'v1.message.create',
      summary: 'Send a message: stored with its deliveries, then queued',
      tag,
      access: 'tenant',
      query: withContent,
      body: messageIn,
      verbatim: ['payload'],
      responses: { 202: messageOutSchema },
    },
    async ({ req, res, query, body }) => {
      // The payload is judged, and the tenant's ingest limit applied, before an inline
      // application is created: a refused message leaves nothing behind.
      const tenant = await lookups.tenant(tenantOf(res));
      await spendTenantRate(
        deps.ingestLimiter,
        res,
        tenantOf(res),
        tenantRateOf(tenant, deps.tenantRate),
      );
      if (tenant?.validateSchemas === true) {
        const eventType = await getEventType(db, tenant.id, body.eventType);
        const problem = eventType && deps.payloadSchemas.check(eventType, body.payload);
        if (problem)
          throw fieldError(['body', 'payload', ...problem.path], problem.message, problem.type);
      }
      const app = await targetApp(res, pathParam(req, 'app_id'), body.application);
      const span = res.locals.span;
      span?.set({ [attr.appId]: app.id });
      const created = await deps.writer
        .write(
          {
            tenantId: app.tenantId,
            appId: app.id,
            eventType: body.eventType,
            eventId: body.eventId ?? null,
            channels: body.channels ?? null,
            tags: body.tags ?? null,
            payload: JSON.stringify(body.payload),
            deliverAt: body.deliverAt == null ? null : new Date(body.deliverAt),
            payloadRetentionHours:
              body.payloadRetentionHours ??
              (body.payloadRetentionPeriod == null ? null : body.payloadRetentionPeriod * 24),
          },
          span,
        )
        .catch((error: unknown) => {
          // The application (or its tenant) was purged since it was looked up.
          if (pgErrorCode(error) === '23503') throw notFound('application');
          throw error;
        });
      if (!created.ok && created.reason === 'application_deleted') throw notFound('application');
      if (!created.ok)
        throw conflict('A message with this eventId was already sent to this application.');
      span?.set({
        [attr.messageId]: created.message.id,
        [attr.deliveries]: created.deliveries.length,
      });
      sendJsonText(res, 202, messageOutJson(created.message, query.with_content));
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/msg',
      operationId: 'v1.message.list',
      summary: 'List messages, newest first',
      tag,
      access: 'app',
      loadApp: true,
      query: listQuery('descending').extend({
        event_types: queryList(eventTypeName).optional(),
        channel: channelName.optional(),
        tag: token(128).optional(),
        before: queryDate.optional(),
        after: queryDate.optional(),
        with_content: queryFlag(true),
      }),
      responses: { 200: messageList },
    },
    async ({ res, query, app }) => {
      const page = await listMessages(
        db,
        { tenantId: app.tenantId, appId: app.id },
        { ...query, eventTypes: query.event_types },
      );
      res.json({ ...page, data: page.data.map((row) => messageOut(row, query.with_content)) });
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/msg/:msg_id',
      operationId: 'v1.message.get',
      summary: 'Get a message by id or eventId',
      tag,
      access: 'app',
      loadApp: true,
      query: withContent,
      responses: { 200: messageOutSchema },
    },
    async ({ req, res, query, app }) => {
      res.json(
        messageOut(await requireMessage(db, app, pathParam(req, 'msg_id')), query.with_content),
      );
    },
  );

  routes.add(
    {
      method: 'get',
      path: '/app/:app_id/msg/:msg_id/endpoint',
      operationId: 'v1.message-attempt.list-attempted-destinations',
      summary: "The endpoints a message went to, each with its delivery's status",
      tag: 'Message Attempt',
      access: 'app',
      loadApp: true,
      query: listQuery('ascending'),
      responses: { 200: destinationList },
    },
    async ({ req, res, query, app }) => {
      const message = await requireMessage(db, app, pathParam(req, 'msg_id'));
      const page = await listDestinations(
        db,
        { tenantId: app.tenantId, messageId: message.id },
        query,
      );
      res.json({ ...page, data: page.data.map(destinationOut) });
    },
  );

  routes.add(
    {
      method: 'post',
      path: '/app/:app_id/msg/precheck/active',
      operationId: 'v1.message.precheck',
      summary: 'Whether a message of this type and channels would reach any endpoint now',
      tag,
      access: 'tenant',
      loadApp: true,
      body: precheckIn,
      responses: { 200: precheckOut },
    },
    async ({ res, body, app }) => {
      const active = await hasReceivers(db, app.id, body.eventType, body.channels ?? null);
      res.json({ active });
    },
  );
}
