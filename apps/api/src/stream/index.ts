import { redisTarget } from '@hookrail/config';
import type { Db } from '@hookrail/db';
import { throttledWarnings, type Logger } from '@hookrail/logger';
import {
  createRedis,
  createStatusReader,
  type AuthThrottle,
  type RedisClient,
} from '@hookrail/queue';
import type { Server } from 'node:http';
import type { ApiConfig } from '../config.ts';
import type { PortalTokens } from '../portal-tokens.ts';
import { attachStatusStream, type StatusStreamServer } from './server.ts';
import type { StreamTokens } from './stream-tokens.ts';

export { statusStreamPath, type StatusStreamServer } from './server.ts';
export { StreamTokens } from './stream-tokens.ts';

/**
 * Serves the status stream on the API's HTTP server: one blocking Redis connection reads the
 * streams of the tenants this instance's clients watch, and fans their events out.
 */
export function startStatusStream(
  server: Server,
  deps: {
    config: ApiConfig;
    db: Db;
    /** For short queries (ranges, the stream's state); the blocking read gets its own. */
    query: RedisClient;
    portalTokens: PortalTokens;
    streamTokens: StreamTokens;
    /** The REST API's throttle: failures over WebSocket and REST count together. */
    authThrottle: AuthThrottle;
    logger: Logger;
  },
): StatusStreamServer {
  const { config, logger } = deps;
  const warn = throttledWarnings(logger);
  const blocking = createRedis({
    ...redisTarget(config),
    role: 'worker',
    onError: (error) => warn('redis', { err: error }, 'redis connection error (status stream)'),
  });
  const forward: { to?: StatusStreamServer } = {};
  const reader = createStatusReader({
    blocking,
    query: deps.query,
    prefix: config.redisPrefix,
    onEvents: (tenantId, events) => forward.to?.dispatch(tenantId, events),
    onError: (error) => warn('read', { err: error }, 'status stream read failed; retrying'),
  });
  forward.to = attachStatusStream(server, {
    ...deps,
    reader,
    maxBufferedBytes: config.streamMaxBufferBytes,
    pingIntervalMs: config.streamPingIntervalMs,
    recheckIntervalMs: config.streamRecheckIntervalMs,
    trustProxy: config.trustProxy,
  });
  return forward.to;
}
