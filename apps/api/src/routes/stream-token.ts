import { findApplication } from '@hookrail/db';
import { z } from 'zod';
import { notFound } from '../http/api-error.ts';
import { tenantOf } from '../http/locals.ts';
import type { RouteTable } from '../http/routes.ts';
import { dateTime } from '../schemas/common.ts';
import type { StreamTokens } from '../stream/stream-tokens.ts';
import type { RouteDeps } from './deps.ts';

const minute = 60;
const day = 24 * 60 * minute;
const ttlError = `must be a number of seconds from ${minute} to ${day}`;

const streamTokenIn = z
  .strictObject({
    appId: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .meta({ description: "Limits the token to this application's events (id or uid)." }),
    ttlSeconds: z
      .number({ error: ttlError })
      .int({ error: ttlError })
      .min(minute, { error: ttlError })
      .max(day, { error: ttlError })
      .optional()
      .meta({ description: 'Seconds the token lasts; default 15 minutes.' }),
  })
  .meta({ id: 'StreamTokenIn' });

const streamTokenOut = z
  .object({
    token: z.string().meta({
      description: 'Opens GET /api/v1/status-stream, as a Bearer credential or `?token=`.',
    }),
    expiresAt: dateTime,
  })
  .meta({ id: 'StreamTokenOut' });

/** POST /api/v1/auth/stream-token: a short-lived credential for the status stream. */
export function streamTokenRoutes(
  routes: RouteTable,
  deps: RouteDeps & { streamTokens: StreamTokens },
): void {
  routes.add(
    {
      method: 'post',
      path: '/auth/stream-token',
      operationId: 'hookrail.stream-token.create',
      summary: 'A short-lived token that opens the status stream (for browsers)',
      tag: 'Authentication',
      access: 'tenant',
      body: streamTokenIn,
      responses: { 200: streamTokenOut },
    },
    async ({ res, body }) => {
      const tenantId = tenantOf(res);
      const keyId = res.locals.auth?.keyId;
      if (keyId === undefined) throw new Error('a tenant route was reached without an API key');
      let appId;
      if (body.appId !== undefined) {
        const app = await findApplication(deps.db, tenantId, body.appId);
        if (app === undefined) throw notFound('application');
        appId = app.id;
      }
      const issued = await deps.streamTokens.issue(
        { tenantId, keyId, ...(appId !== undefined && { appId }) },
        body.ttlSeconds ?? 15 * minute,
      );
      res.json({ token: issued.token, expiresAt: issued.expiresAt.toISOString() });
    },
  );
}
