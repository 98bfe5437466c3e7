import type { Db } from '@hookrail/db';
import type { Logger } from '@hookrail/logger';
import type { DeliveryQueue, Redis } from '@hookrail/queue';
import express, { type Express } from 'express';
import { adminAuth, tenantAuth } from './http/auth.ts';
import { errorHandler, unknownRoute } from './http/error-handler.ts';
import { losslessReviver } from './http/json.ts';
import { requestContext } from './http/request-context.ts';
import { adminRoutes } from './routes/admin.ts';
import { attemptRoutes } from './routes/attempts.ts';
import { applicationRoutes } from './routes/applications.ts';
import { endpointRoutes } from './routes/endpoints.ts';
import { eventTypeRoutes } from './routes/event-types.ts';
import { healthRoutes } from './routes/health.ts';
import { messageRoutes } from './routes/messages.ts';

export interface AppDeps {
  db: Db;
  pingDatabase: () => Promise<void>;
  redis: Redis;
  queue: DeliveryQueue;
  logger: Logger;
  adminTokenHash: string;
  maxBodyBytes: number;
}

/** The HTTP application: routes and middleware, with every dependency passed in. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(requestContext(deps.logger));
  app.use(healthRoutes(deps));

  // Every body is read as JSON whatever its content type (curl -d sends a form type), after
  // authentication so that unauthenticated requests are not parsed at all. Numbers are kept
  // digit for digit (see losslessReviver).
  const json = express.json({
    limit: deps.maxBodyBytes,
    strict: false,
    type: () => true,
    reviver: losslessReviver,
  });

  app.use('/api/v1/admin', adminAuth(deps.adminTokenHash), json, adminRoutes(deps.db));
  app.use(
    '/api/v1',
    tenantAuth(deps.db),
    json,
    applicationRoutes(deps.db),
    eventTypeRoutes(deps.db),
    endpointRoutes(deps.db),
    messageRoutes(deps),
    attemptRoutes(deps.db),
  );

  app.use(unknownRoute);
  app.use(errorHandler(deps.logger));
  return app;
}
