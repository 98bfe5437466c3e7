import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject, vi } from 'vitest';
import { createEndpointGate, type EndpointGate } from '../src/endpoint-gate.ts';
import {
  createStatusPublisher,
  parseStatusEntry,
  statusStreamKey,
  type StatusPublisher,
} from '../src/status-stream.ts';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
});
const prefixes: string[] = [];
afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`{${prefix}}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  await redis.quit();
});

/** A gate on a prefix of its own, so no test sees another's endpoints. */
function gate(slowTotal = 100, carry?: (prefix: string) => StatusPublisher): EndpointGate {
  const prefix = `gate-test-${randomBytes(5).toString('hex')}`;
  prefixes.push(prefix);
  const settings = {
    breakerFailures: 5,
    probeBaseMs: 5000,
    probeMaxMs: 600_000,
    slowAfterMs: 1000,
    slowTotal,
  };
  return createEndpointGate(redis, prefix, settings, carry?.(prefix));
}

const admit = async (
  g: EndpointGate,
  endpointId: string,
  jobKey: string,
  now: number,
  slowRoom = true,
) =>
  (
    await g.admit([
      { endpointId, jobKey, now, maxInflight: 10, rate: null, leaseMs: 60_000, slowRoom },
    ])
  )[0];

describe('the endpoint gate', () => {
  it('calls an endpoint slow once one of its requests has been open for the slow threshold', async () => {
    const g = gate();
    expect(await admit(g, 'ep_a', 'j1', 10_000)).toEqual({
      admitted: true,
      probe: false,
      slow: false,
    });
    expect(await admit(g, 'ep_a', 'j2', 10_999)).toMatchObject({ admitted: true, slow: false });
    expect(await admit(g, 'ep_a', 'j3', 11_000)).toMatchObject({ admitted: true, slow: true });
  });

  it('holds a slow endpoint back when the worker has no slow room left, and lets a quick one go', async () => {
    const g = gate();
    await admit(g, 'ep_slow', 'j1', 10_000);
    expect(await admit(g, 'ep_slow', 'j2', 12_000, false)).toMatchObject({
      admitted: false,
      reason: 'slow_budget',
    });
    expect(await admit(g, 'ep_quick', 'j3', 12_000, false)).toMatchObject({
      admitted: true,
      slow: false,
    });
  });

  it('bounds requests to slow endpoints across all workers', async () => {
    const g = gate(1);
    await admit(g, 'ep_a', 'a1', 10_000);
    await admit(g, 'ep_b', 'b1', 10_000);
    expect(await admit(g, 'ep_a', 'a2', 12_000)).toMatchObject({ admitted: true, slow: true });
    expect(await admit(g, 'ep_b', 'b2', 12_000)).toMatchObject({
      admitted: false,
      reason: 'slow_budget',
    });
    // The slow request's answer gives its place back.
    await g.report([
      {
        endpointId: 'ep_a',
        jobKey: 'a2',
        now: 12_500,
        outcome: 'success',
        slow: true,
        maxInflight: 10,
      },
    ]);
    expect(await admit(g, 'ep_b', 'b2', 12_500)).toMatchObject({ admitted: true, slow: true });
  });

  it('decides a pipeline of admissions one after another, as if asked in turn', async () => {
    const g = gate();
    const ask = (jobKey: string) => ({
      endpointId: 'ep_a',
      jobKey,
      now: 10_000,
      maxInflight: 2,
      rate: null,
      leaseMs: 60_000,
      slowRoom: true,
    });
    expect((await g.admit([ask('j1'), ask('j2'), ask('j3')])).map((a) => a.admitted)).toEqual([
      true,
      true,
      false,
    ]);
  });

  it('keeps an endpoint slow after a slow answer until a quick answer', async () => {
    const g = gate();
    const report = (jobKey: string, now: number, slow: boolean) =>
      g.report([{ endpointId: 'ep_a', jobKey, now, outcome: 'success', slow, maxInflight: 10 }]);
    await admit(g, 'ep_a', 'j1', 10_000);
    await report('j1', 13_000, true);
    expect(await admit(g, 'ep_a', 'j2', 13_001)).toMatchObject({ admitted: true, slow: true });
    await report('j2', 13_100, false);
    expect(await admit(g, 'ep_a', 'j3', 13_101)).toMatchObject({ admitted: true, slow: false });
  });

  it('reports, then admits, in one call: an admission takes the slot a report of the same call gave back', async () => {
    const g = gate();
    const ask = (jobKey: string) => ({
      endpointId: 'ep_a',
      jobKey,
      now: 10_000,
      maxInflight: 1,
      rate: null,
      leaseMs: 60_000,
      slowRoom: true,
    });
    await g.admit([ask('j1')]);
    const done = { endpointId: 'ep_a', jobKey: 'j1', now: 10_001, slow: false, maxInflight: 1 };
    const { transitions, admissions } = await g.call(
      [{ ...done, outcome: 'success' }],
      [ask('j2'), ask('j3')],
    );
    expect(transitions).toEqual(['none']);
    expect(admissions.map((a) => !(a instanceof Error) && a.admitted)).toEqual([true, false]);
  });

  it('carries the status events waiting in its publisher ahead of its own commands, in one round trip', async () => {
    let status: StatusPublisher | undefined;
    let streamPrefix = '';
    const g = gate(100, (prefix) => {
      streamPrefix = prefix;
      status = createStatusPublisher({
        connection: redis,
        settings: { prefix, windowMs: 60_000, maxLen: 1000 },
      });
      return status;
    });
    if (status === undefined) throw new Error('no publisher');
    const tenantId = 'tnt_carry';
    const pipelines = vi.spyOn(redis, 'pipeline');
    try {
      status.publish([{ tenantId, type: 'attempt.started', data: { attemptNumber: 1 } }]);
      status.publish([{ tenantId, type: 'attempt.finished', data: { attemptNumber: 1 } }]);
      expect(await admit(g, 'ep_a', 'j1', 10_000)).toMatchObject({ admitted: true });
      await status.flush();
      expect(pipelines).toHaveBeenCalledTimes(1);
    } finally {
      pipelines.mockRestore();
    }
    const entries = await redis.xrange(statusStreamKey(streamPrefix, tenantId), '-', '+');
    expect(entries.map(([id, fields]) => parseStatusEntry(id, fields)?.type)).toEqual([
      'attempt.started',
      'attempt.finished',
    ]);
    expect(status.droppedCount()).toBe(0);
  });

  it('carries events only of its own connection and prefix', () => {
    const other = createStatusPublisher({
      connection: redis,
      settings: { prefix: 'another-prefix', windowMs: 60_000, maxLen: 1000 },
    });
    expect(() => gate(100, () => other)).toThrow(/own connection and prefix/);
  });
});
