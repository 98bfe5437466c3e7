import { newId } from '@hookrail/ids';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import {
  compareStreamIds,
  createDeliveryQueue,
  createRedis,
  createStatusPublisher,
  parseStatusEntry,
  statusStreamKey,
  type RedisClient,
  type StatusStreamSettings,
  waitUntilReady,
} from '../src/index.ts';

let redis: RedisClient;
let monitor: Redis | undefined;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  redis = createRedis({ url: inject('redisUrl'), role: 'producer' });
  await waitUntilReady(redis, 5000);
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  monitor?.disconnect();
  monitor = undefined;
});
afterAll(() => redis.disconnect());

/** Settings with a prefix of this test's own, whose keys are deleted afterwards. */
function settings(overrides: Partial<StatusStreamSettings> = {}): StatusStreamSettings {
  const prefix = `hrtest-stream-${randomBytes(4).toString('hex')}`;
  closers.push(async () => {
    const keys = await redis.keys(`{${prefix}}*`);
    if (keys.length > 0) await redis.del(...keys);
  });
  return { prefix, windowMs: 60_000, maxLen: 1000, ...overrides };
}

async function read(prefix: string, tenantId: string) {
  const entries = await redis.xrange(statusStreamKey(prefix, tenantId), '-', '+');
  return entries.map(([id, fields]) => parseStatusEntry(id, fields));
}

describe('the status stream producer', () => {
  it("appends a message's acceptance in the same round trip as its first jobs, and before them", async () => {
    const s = settings();
    const status = createStatusPublisher({ connection: redis, settings: s });
    const queue = createDeliveryQueue({ connection: redis, prefix: s.prefix, status });
    closers.push(() => queue.close());
    const tenantId = newId('tenant');
    const msgId = newId('message');
    const job = { deliveryId: newId('delivery'), endpointId: newId('endpoint'), attempt: 1 };
    await queue.enqueue([job]); // the queue exists, so what follows is only the pipeline

    // MONITOR lists commands in the order Redis ran them; a pipeline's commands run back to back.
    monitor = await new Redis(inject('redisUrl')).monitor();
    const seen: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((arg) => arg.includes(s.prefix))) seen.push(args[0]?.toLowerCase() ?? '');
    });
    const second = { ...job, deliveryId: newId('delivery') };
    await queue.enqueue(
      [second],
      [{ tenantId, type: 'message.accepted', data: { msgId, endpointIds: [job.endpointId] } }],
    );
    await redis.ping();
    expect(seen[0]).toBe('xadd');
    expect(seen.slice(1)).toContain('evalsha');
    expect(seen.indexOf('evalsha')).toBeGreaterThan(seen.indexOf('xadd'));

    const events = await read(s.prefix, tenantId);
    expect(events).toEqual([
      {
        id: expect.stringMatching(/^\d+-\d+$/),
        type: 'message.accepted',
        timestamp: expect.any(String),
        data: { msgId, endpointIds: [job.endpointId] },
      },
    ]);
    expect(await queue.missing([job, second])).toEqual([]);
    expect(status.droppedCount()).toBe(0);
  });

  it('keeps each tenant apart, in order, and caps a stream at its length', async () => {
    const s = settings({ maxLen: 3 });
    const status = createStatusPublisher({ connection: redis, settings: s });
    const [a, b] = [newId('tenant'), newId('tenant')];
    status.publish(
      [1, 2, 3, 4, 5].map((n) => ({
        tenantId: n === 5 ? b : a,
        type: 'attempt.started' as const,
        data: { attemptNumber: n },
      })),
    );
    await status.flush();
    expect((await read(s.prefix, a)).map((e) => e?.data.attemptNumber)).toEqual([2, 3, 4]);
    expect((await read(s.prefix, b)).map((e) => e?.data.attemptNumber)).toEqual([5]);
    expect(await redis.pttl(statusStreamKey(s.prefix, a))).toBeGreaterThan(0);
  });

  it('drops and counts events while Redis is unreachable, without waiting', async () => {
    const s = settings();
    const offline = createRedis({ url: 'redis://127.0.0.1:1', role: 'producer' });
    offline.on('error', () => undefined);
    closers.push(() => {
      offline.disconnect();
      return Promise.resolve();
    });
    const status = createStatusPublisher({ connection: offline, settings: s });
    const queue = createDeliveryQueue({ connection: offline, prefix: s.prefix, status });
    status.publish([{ tenantId: newId('tenant'), type: 'attempt.started', data: {} }]);
    await expect(
      queue.enqueue(
        [{ deliveryId: newId('delivery'), endpointId: newId('endpoint'), attempt: 1 }],
        [{ tenantId: newId('tenant'), type: 'message.accepted', data: {} }],
      ),
    ).rejects.toThrow(/not connected/);
    expect(status.droppedCount()).toBe(2);
  });

  it('sends the events published in one turn in one pipelined call, in order', async () => {
    const s = settings();
    const status = createStatusPublisher({ connection: redis, settings: s });
    const tenantId = newId('tenant');
    const pipelines = vi.spyOn(redis, 'pipeline');
    try {
      for (const n of [1, 2, 3]) {
        status.publish([{ tenantId, type: 'attempt.started', data: { attemptNumber: n } }]);
      }
      await status.flush();
      expect(pipelines).toHaveBeenCalledTimes(1);
    } finally {
      pipelines.mockRestore();
    }
    expect((await read(s.prefix, tenantId)).map((e) => e?.data.attemptNumber)).toEqual([1, 2, 3]);
  });

  it('keeps events published before a queueing call ahead of the events it appends', async () => {
    const s = settings();
    const status = createStatusPublisher({ connection: redis, settings: s });
    const queue = createDeliveryQueue({ connection: redis, prefix: s.prefix, status });
    closers.push(() => queue.close());
    const tenantId = newId('tenant');
    status.publish([{ tenantId, type: 'attempt.started', data: { attemptNumber: 1 } }]);
    await queue.enqueue(
      [{ deliveryId: newId('delivery'), endpointId: newId('endpoint'), attempt: 2 }],
      [{ tenantId, type: 'delivery.retry_scheduled', data: { attemptNumber: 1 } }],
    );
    await status.flush();
    expect((await read(s.prefix, tenantId)).map((e) => e?.type)).toEqual([
      'attempt.started',
      'delivery.retry_scheduled',
    ]);
  });
});

describe('stream ids', () => {
  it('are ordered as numbers, by time and then by sequence, whatever their length', () => {
    const ordered = ['0-0', '0-1', '5', '5-1', '9-99', '10-0', '012-3', '1700000000000-2'];
    const big = [
      '1700000000000-10',
      '99999999999999999999-0',
      '99999999999999999999-18446744073709551615',
    ];
    const all = [...ordered, ...big];
    for (const [i, a] of all.entries()) {
      for (const [j, b] of all.entries()) {
        expect([a, b, Math.sign(compareStreamIds(a, b))]).toEqual([a, b, Math.sign(i - j)]);
      }
    }
    expect(compareStreamIds('5', '5-0')).toBe(0);
    expect(compareStreamIds('12-03', '12-3')).toBe(0);
  });
});
