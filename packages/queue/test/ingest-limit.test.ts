import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createIngestLimiter } from '../src/ingest-limit.ts';

let redis: Redis;
const prefix = `ingest-limit-test-${randomBytes(5).toString('hex')}`;
beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  await redis.ping(); // the limiter asks Redis only once it is connected
});
afterAll(async () => {
  const keys = await redis.keys(`{${prefix}}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

/** A limiter whose clock the test moves. */
function limiterAt(start: number) {
  const clock = { now: start };
  const limiter = createIngestLimiter(redis, prefix, { timeoutMs: 1000, now: () => clock.now });
  return { clock, limiter };
}

describe('the ingest limiter', () => {
  it('allows a burst at once, then one message per interval, and says when the next is due', async () => {
    const { clock, limiter } = limiterAt(1_000_000);
    const limit = { rate: 2, burst: 3 }; // one every 500 ms
    const first = [];
    for (let i = 0; i < 4; i++) first.push(await limiter.admit('tnt_a', limit));
    expect(first.slice(0, 3)).toEqual(Array(3).fill({ limited: false }));
    expect(first[3]).toEqual({ limited: true, retryAfterSeconds: 1 });
    // A refusal takes nothing: 500 ms on, exactly one more is allowed.
    clock.now += 500;
    expect(await limiter.admit('tnt_a', limit)).toEqual({ limited: false });
    expect(await limiter.admit('tnt_a', limit)).toMatchObject({ limited: true });
    // Another tenant has its own allowance.
    expect(await limiter.admit('tnt_b', limit)).toEqual({ limited: false });
  });

  it('rounds Retry-After up to whole seconds for slow rates', async () => {
    const { clock, limiter } = limiterAt(5_000_000);
    const limit = { rate: 0.1, burst: 1 }; // one every 10 s
    expect(await limiter.admit('tnt_slow', limit)).toEqual({ limited: false });
    clock.now += 2_500;
    expect(await limiter.admit('tnt_slow', limit)).toEqual({
      limited: true,
      retryAfterSeconds: 8,
    });
    const ttl = await redis.pttl(`{${prefix}}:ingest:tnt_slow`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(11_000);
  });

  it('lets messages through at once when Redis cannot be reached', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      lazyConnect: true,
    });
    down.on('error', () => undefined);
    const limiter = createIngestLimiter(down, prefix, { timeoutMs: 60_000 });
    const limit = { rate: 0.001, burst: 1 };
    for (let i = 0; i < 3; i++) {
      expect(await limiter.admit('tnt_c', limit)).toEqual({ limited: false });
    }
    down.disconnect();
  });
});
