import type { Redis } from '@hookrail/queue';
import { Router } from 'express';

export interface HealthDeps {
  pingDatabase: () => Promise<void>;
  redis: Redis;
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

/** GET /health: 200 when Postgres and Redis both answer, 503 (naming which is down) otherwise. */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const [postgres, redis] = await Promise.all([
      check(deps.pingDatabase),
      check(() => deps.redis.ping()),
    ]);
    const ok = postgres === 'ok' && redis === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'unavailable', postgres, redis });
  });
  return router;
}
