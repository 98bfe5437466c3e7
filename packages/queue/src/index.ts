export { createRedis, hashTag, redisKey, type RedisConnectionOptions } from './redis.ts';
export type { Redis } from 'ioredis';
