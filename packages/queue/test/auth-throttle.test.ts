import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createAuthThrottle } from '../src/auth-throttle.ts';

let redis: Redis;
const prefix = `auth-throttle-test-${randomBytes(5).toString('hex')}`;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  const keys = await redis.keys(`{${prefix}}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('the auth throttle', () => {
  it('throttles an address after its allowance of failures, until its window ends', async () => {
    const throttle = createAuthThrottle(redis, prefix, {
      limit: 3,
      windowSeconds: 60,
      timeoutMs: 1000,
    });
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await throttle.recordFailure('192.0.2.1'));
    expect(verdicts.slice(0, 3)).toEqual(Array(3).fill({ throttled: false }));
    expect(verdicts[3]).toEqual({ throttled: true, retryAfterSeconds: 60 });
    // Another address has its own allowance.
    expect(await throttle.recordFailure('2001:db8::1')).toEqual({ throttled: false });
    const ttl = await redis.pttl(`{${prefix}}:auth-failures:192.0.2.1`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('starts a new window when the last one has ended', async () => {
    const throttle = createAuthThrottle(redis, prefix, {
      limit: 1,
      windowSeconds: 60,
      timeoutMs: 1000,
    });
    await throttle.recordFailure('192.0.2.9');
    expect(await throttle.recordFailure('192.0.2.9')).toMatchObject({ throttled: true });
    await redis.del(`{${prefix}}:auth-failures:192.0.2.9`); // the window's key expired
    expect(await throttle.recordFailure('192.0.2.9')).toEqual({ throttled: false });
  });

  it('answers unthrottled at once when Redis cannot be reached', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    down.on('error', () => undefined);
    const throttle = createAuthThrottle(down, prefix, {
      limit: 0,
      windowSeconds: 60,
      timeoutMs: 1000,
    });
    expect(await throttle.recordFailure('192.0.2.2')).toEqual({ throttled: false });
    down.disconnect();
  });
});
