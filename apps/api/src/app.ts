import type { Db } from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import type { OutboundGuard } from '@hookrail/outbound';
import type { Vault } from '@hookrail/secrets';
import {
  createAuthThrottle,
  createIngestLimiter,
  type AuthThrottle,
  type DeliveryQueue,
  type InvalidationChannel,
  type RedisClient,
  type StatusPublisher,
  type TaskQueue,
} from '@hookrail/queue';
import { Metrics, noTracing, type Tracing } from '@hookrail/telemetry';
import express, { Router, type Express, type Response } from 'express';
import { z } from 'zod';
import { cachedLookups } from './cache/lookups.ts';
import { dashboardRoutes } from './dashboard/static.ts';
import { adminAuth, tenantAuth } from './http/auth.ts';
import type { DashboardSessions } from './http/session.ts';
import { authFailures } from './http/auth-throttle.ts';
import { errorHandler, unknownRoute } from './http/error-handler.ts';
import { idempotency, recordBodyHash } from './http/idempotency.ts';
import { losslessReviver } from './http/json.ts';
import { requestContext } from './http/request-context.ts';
import { RouteTable } from './http/routes.ts';
import { traceRequests } from './http/trace-requests.ts';
import { MessageWriter } from './ingest/message-writer.ts';
import { noTenantRate, type TenantRateDefaults } from './ingest/tenant-rate.ts';
import { openApiDocument, openApiOut } from './openapi/document.ts';
import { referencePage } from './openapi/reference-page.ts';
import type { TenantBounds } from './limits.ts';
import { PayloadSchemas } from './payload-schemas/index.ts';
import type { PortalTokens } from './portal-tokens.ts';
import type { StreamTokens } from './stream/stream-tokens.ts';
import { adminRoutes } from './routes/admin.ts';
import { applicationRoutes } from './routes/applications.ts';
import { attemptRoutes } from './routes/attempts.ts';
import { authRoutes } from './routes/auth.ts';
import { backgroundTaskRoutes } from './routes/background-tasks.ts';
import { bulkRetryRoutes } from './routes/bulk-retry.ts';
import { dashboardSessionRoutes } from './routes/dashboard-session.ts';
import { deliveryLogRoutes } from './routes/delivery-log.ts';
import type { RouteDeps } from './routes/deps.ts';
import { endpointRoutes } from './routes/endpoints/index.ts';
import { eventTypeRoutes } from './routes/event-types.ts';
import { expungeRoutes } from './routes/expunge.ts';
import { healthRoutes, liveRoute, pingRoute } from './routes/health.ts';
import { requireApp } from './routes/lookups.ts';
import { rootRoute } from './routes/root.ts';
import { messageRoutes } from './routes/messages.ts';
import { metricsRoute } from './routes/metrics.ts';
import { operationalWebhookRoutes } from './routes/operational-webhooks.ts';
import { portalPage, portalPageRoutes } from './routes/portal-page.ts';
import { portalSessionRoutes } from './routes/portal-sessions.ts';
import { portalSettingsRoutes } from './routes/portal-settings.ts';
import { statsSeriesRoutes } from './routes/stats-series.ts';
import { streamTokenRoutes } from './routes/stream-token.ts';
import { asyncApiDocument } from './stream/asyncapi.ts';

export interface AppDeps {
  db: Db;
  pingDatabase: () => Promise<void>;
  redis: RedisClient;
  queue: DeliveryQueue;
  tasks: TaskQueue;
  logger: Logger;
  portalTokens: PortalTokens;
  sessions: DashboardSessions;
  /** Issues the tokens that open the status stream. */
  streamTokens: StreamTokens;
  /** The status stream, told when credentials are revoked. */
  status: StatusPublisher;
  /**
   * Counts failed authentications per client address; the status stream's upgrades share it.
   * @defaultValue one over `redis`, with the default allowance
   */
  authThrottle?: AuthThrottle;
  adminTokenHash: string;
  maxBodyBytes: number;
  publicUrl: string;
  redisPrefix: string;
  /** Proxies whose X-Forwarded-For names the client (see ApiConfig.trustProxy). */
  trustProxy?: string[];
  guard: OutboundGuard;
  vault: Vault;
  /** Carries cache invalidations between API instances; without one nothing is cached. */
  invalidations: InvalidationChannel | undefined;
  /** How long cached keys, tenants and applications are served (0: not at all). */
  cacheTtlMs: number;
  /** Row counts a tenant cannot exceed. @defaultValue defaultTenantBounds */
  tenantBounds?: TenantBounds;
  /** The ingest limit of tenants the operator set none for. @defaultValue no limit */
  tenantRate?: TenantRateDefaults;
  /** What `/metrics` serves; ingest counts into it. @defaultValue a registry of its own */
  metrics?: Metrics;
  /** Bearer token `/metrics` asks for. @defaultValue none: open */
  metricsToken?: string | undefined;
  /** Where the REST API's request spans go. @defaultValue noTracing */
  tracing?: Tracing;
}

export interface HookrailApp {
  app: Express;
  /** Every route, as the OpenAPI document describes it. */
  routeTables: RouteTable[];
}

/** The HTTP application: routes and middleware, with every dependency passed in. */
export function createApp(deps: AppDeps): HookrailApp {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  if (deps.trustProxy !== undefined && deps.trustProxy.length > 0) {
    app.set('trust proxy', deps.trustProxy);
  }
  app.use(requestContext(deps.logger));
  const metrics = deps.metrics ?? new Metrics();
  const tracing = deps.tracing ?? noTracing;
  if (tracing.enabled) app.use('/api/v1', traceRequests(tracing));

  const publicRoutes = new RouteTable(Router(), '');
  const adminRoutesTable = new RouteTable(Router(), '/api/v1/admin');
  const tenantRoutes = new RouteTable(Router(), '/api/v1', {
    loadApp: (res, ref) => requireApp(deps.db, res, ref),
    afterAccess: [idempotency(deps.db, deps.vault, deps.logger)],
  });
  const routeTables = [publicRoutes, adminRoutesTable, tenantRoutes];

  const lookups = cachedLookups({
    db: deps.db,
    channel: deps.invalidations,
    logger: deps.logger,
    ttlMs: deps.cacheTtlMs,
  });
  const routeDeps: RouteDeps = { ...deps, lookups };
  metricsRoute(publicRoutes, { metrics, metricsToken: deps.metricsToken });
  healthRoutes(publicRoutes, deps, '/health', 'hookrail.health');
  healthRoutes(publicRoutes, deps, '/api/v1/health', 'v1.health.get');
  liveRoute(publicRoutes);
  pingRoute(publicRoutes);
  rootRoute(publicRoutes);
  const portal = portalPage({ lookups });
  portalPageRoutes(publicRoutes, portal);
  let document: Record<string, unknown> | undefined;
  const documentOf = () =>
    (document ??= openApiDocument(
      routeTables.flatMap((table) => table.specs),
      { version: '0.1.0', serverUrl: deps.publicUrl },
    ));
  publicRoutes.add(
    {
      method: 'get',
      path: '/api/v1/openapi.json',
      operationId: 'hookrail.openapi',
      summary: 'This document (OpenAPI 3.1)',
      tag: 'Reference',
      access: 'public',
      responses: { 200: openApiOut },
    },
    ({ res }) => {
      res.json(documentOf());
    },
  );
  publicRoutes.add(
    {
      method: 'get',
      path: '/api/v1/asyncapi.json',
      operationId: 'hookrail.asyncapi',
      summary: 'The WebSocket status stream (AsyncAPI 3.0)',
      tag: 'Reference',
      access: 'public',
      responses: { 200: z.record(z.string(), z.unknown()).meta({ id: 'AsyncApiDocument' }) },
    },
    ({ res }) => {
      res.json(asyncApiDocument(deps.publicUrl));
    },
  );
  publicRoutes.add(
    {
      method: 'get',
      path: '/docs',
      operationId: 'hookrail.reference',
      summary: 'The API reference, as a web page',
      tag: 'Reference',
      access: 'public',
      responses: { 200: z.string().meta({ description: 'text/html' }) },
    },
    ({ res }) => {
      res.type('html').send(referencePage(documentOf()));
    },
  );

  dashboardSessionRoutes(publicRoutes, deps);
  adminRoutes(adminRoutesTable, deps.db, lookups, (tenantId) =>
    deps.status.publish([{ tenantId, type: 'credentials.changed', data: {} }]),
  );
  applicationRoutes(tenantRoutes, routeDeps);
  eventTypeRoutes(tenantRoutes, routeDeps);
  endpointRoutes(tenantRoutes, routeDeps);
  messageRoutes(tenantRoutes, {
    ...routeDeps,
    payloadSchemas: new PayloadSchemas(),
    writer: new MessageWriter({ ...deps, metrics, tracing }),
    ingestLimiter: createIngestLimiter(deps.redis, deps.redisPrefix),
    tenantRate: deps.tenantRate ?? noTenantRate,
  });
  attemptRoutes(tenantRoutes, routeDeps);
  deliveryLogRoutes(tenantRoutes, routeDeps);
  authRoutes(tenantRoutes, routeDeps);
  streamTokenRoutes(tenantRoutes, { ...routeDeps, streamTokens: deps.streamTokens });
  bulkRetryRoutes(tenantRoutes, routeDeps);
  operationalWebhookRoutes(tenantRoutes, routeDeps);
  backgroundTaskRoutes(tenantRoutes, routeDeps);
  expungeRoutes(tenantRoutes, routeDeps);
  portalSessionRoutes(tenantRoutes, routeDeps);
  portalSettingsRoutes(tenantRoutes, routeDeps);
  statsSeriesRoutes(tenantRoutes, routeDeps);

  // Every body is read as JSON whatever its content type (curl -d sends a form type), after
  // authentication so that unauthenticated requests are not parsed at all. Numbers are kept
  // digit for digit (see losslessReviver).
  const json = express.json({
    limit: deps.maxBodyBytes,
    strict: false,
    type: () => true,
    reviver: losslessReviver,
    verify: (req, res, body) => recordBodyHash(req, res as Response, body),
  });

  app.use(publicRoutes.router);
  app.use('/dashboard', dashboardRoutes({ portal }));
  app.use(adminRoutesTable.base, adminAuth(deps.adminTokenHash), json, adminRoutesTable.router);
  app.use(
    tenantRoutes.base,
    tenantAuth(deps.db, lookups, deps.portalTokens, deps.sessions),
    json,
    tenantRoutes.router,
  );
  app.use(unknownRoute);
  app.use(authFailures(deps.authThrottle ?? createAuthThrottle(deps.redis, deps.redisPrefix)));
  app.use(errorHandler(deps.logger, metrics));
  return { app, routeTables };
}
