export {
  createRedis,
  hashTag,
  redisKey,
  waitUntilReady,
  type RedisConnectionOptions,
} from './redis.ts';
export type { Redis } from 'ioredis';
