import type { RedisClient } from '@hookrail/queue';
import { z } from 'zod';
import type { RouteTable } from '../http/routes.ts';

export interface HealthDeps {
  pingDatabase: () => Promise<void>;
  redis: RedisClient;
}

const checkTimeoutMs = 2000;

async function check(probe: () => Promise<unknown>): Promise<'ok' | 'down'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), checkTimeoutMs);
  });
  try {
    await Promise.race([probe(), timeout]);
    return 'ok';
  } catch {
    return 'down';
  } finally {
    clearTimeout(timer);
  }
}

const healthOut = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    postgres: z.enum(['ok', 'down']),
    redis: z.enum(['ok', 'down']),
  })
  .meta({ id: 'HealthOut' });

/** GET /health (and Svix's /api/v1/health): whether Postgres and Redis answer. */
export function healthRoutes(
  routes: RouteTable,
  deps: HealthDeps,
  path: string,
  operationId: string,
): void {
  routes.add(
    {
      method: 'get',
      path,
      operationId,
      summary: 'Health: 200 when Postgres and Redis answer, 503 naming the one that does not',
      tag: 'Health',
      access: 'public',
      responses: { 200: healthOut, 503: healthOut },
    },
    async ({ res }) => {
      const [postgres, redis] = await Promise.all([
        check(deps.pingDatabase),
        check(() => deps.redis.ping()),
      ]);
      const ok = postgres === 'ok' && redis === 'ok';
      res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', postgres, redis });
    },
  );
}

const liveOut = z.object({ status: z.literal('ok') }).meta({ id: 'LiveOut' });

/**
 * GET /health/live: liveness. The process answers; nothing else is touched, so that an
 * orchestrator does not restart API instances because Postgres or Redis is away (readiness,
 * `GET /health`, says that).
 */
export function liveRoute(routes: RouteTable): void {
  routes.add(
    {
      method: 'get',
      path: '/health/live',
      operationId: 'hookrail.health.live',
      summary: 'Liveness: 200 while the API process answers; checks neither Postgres nor Redis',
      tag: 'Health',
      access: 'public',
      responses: { 200: liveOut },
    },
    ({ res }) => {
      res.json({ status: 'ok' });
    },
  );
}

/** GET /api/v1/health/ping (Svix): 204 when the API process answers; it checks nothing else. */
export function pingRoute(routes: RouteTable): void {
  routes.add(
    {
      method: 'get',
      path: '/api/v1/health/ping',
      operationId: 'v1.health.ping',
      summary: 'Liveness: 204 while the API process answers',
      tag: 'Health',
      access: 'public',
      responses: { 204: null },
    },
    ({ res }) => {
      res.status(204).end();
    },
  );
}
