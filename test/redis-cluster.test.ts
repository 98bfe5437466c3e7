import { partitionOf } from '@hookrail/queue';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { RedisCluster } from './support/redis-cluster.ts';
import { StreamClient } from './support/stream-client.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

// Hookrail on a Redis Cluster of three masters of this file's own (REDIS_CLUSTER_NODES), with
// the delivery queue in four partitions: one API and one worker in this process.
const partitions = 4;
const cluster = new RedisCluster(3);
// Filled in once the cluster is up, before the API and the worker read them.
const overrides: Record<string, string> = {};
beforeAll(async () => {
  await cluster.start();
  Object.assign(overrides, {
    REDIS_URL: cluster.url,
    REDIS_CLUSTER_NODES: cluster.nodes,
    HOOKRAIL_QUEUE_PARTITIONS: String(partitions),
  });
}, 60_000);
afterAll(() => cluster.stop());

const env = useTestEnv();
const api = useTestApi(env, overrides);
useTestWorker(env, overrides);
const receiver = useReceiver();

let client: HttpClient;
let apiKey: string;
beforeAll(async () => {
  const tenant = await api.newTenant('cluster');
  client = tenant.client;
  apiKey = tenant.apiKey;
});

describe('on a Redis Cluster with a partitioned delivery queue', () => {
  it('delivers each message once to every endpoint, its endpoints spread over partitions, each acceptance streamed before its attempts', async () => {
    const appId = (await client.post('/api/v1/app', { name: 'spread' })).json<{ id: string }>().id;
    // Endpoints until three partitions hold at least one (bounded: ids are random).
    const endpoints = new Map<string, number>();
    for (let i = 0; i < 40 && new Set(endpoints.values()).size < 3; i++) {
      const res = await client.post(`/api/v1/app/${appId}/endpoint`, {
        url: `${receiver.url}/ep${i}`,
      });
      expect(res.status).toBe(201);
      const id = res.json<{ id: string }>().id;
      endpoints.set(id, partitionOf(id, partitions));
    }
    expect(new Set(endpoints.values()).size).toBeGreaterThanOrEqual(3);

    const stream = await StreamClient.connect(api.url, apiKey);
    stream.send({ type: 'subscribe' });
    await waitFor('the subscription', () => stream.messages.find((m) => m.type === 'subscribed'));

    const messages: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await client.post(`/api/v1/app/${appId}/msg`, {
        eventType: 'cluster.test',
        payload: { i },
      });
      expect(res.status).toBe(202);
      messages.push(res.json<{ id: string }>().id);
    }
    const expected = messages.length * endpoints.size;
    await waitFor(`${expected} deliveries`, () => receiver.requests.length >= expected, 30_000);
    // Whatever else was due has had the time to arrive too: every delivery is final.
    await waitFor('every delivery to succeed', async () => {
      for (const msgId of messages) {
        const list = (await client.get(`/api/v1/app/${appId}/msg/${msgId}/endpoint`)).json<{
          data: { deliveryStatus: string }[];
        }>().data;
        if (list.some((d) => d.deliveryStatus !== 'succeeded')) return false;
      }
      return true;
    });

    // Exactly once per (message, endpoint): the webhook-id is the message id.
    const received = receiver.requests.map((r) => `${String(r.headers['webhook-id'])} ${r.path}`);
    expect(received).toHaveLength(expected);
    expect(new Set(received).size).toBe(expected);

    // On the stream, each message's acceptance comes before any of its attempts, whatever
    // partition the attempt's job was in.
    await waitFor('every attempt on the stream', () =>
      stream.events().filter((e) => e.type === 'attempt.started').length >= expected ? true : false,
    );
    const events = stream.events();
    for (const msgId of messages) {
      const accepted = events.findIndex(
        (e) => e.type === 'message.accepted' && e.data?.msgId === msgId,
      );
      const firstAttempt = events.findIndex(
        (e) => e.type === 'attempt.started' && e.data?.msgId === msgId,
      );
      expect(accepted).toBeGreaterThanOrEqual(0);
      expect(firstAttempt).toBeGreaterThan(accepted);
    }
    stream.close();

    // The partitions' queues live under tags of their own, on the cluster.
    const redis = cluster.client();
    try {
      for (const index of new Set(endpoints.values())) {
        const tag = index === 0 ? `{${env.redisPrefix}}` : `{${env.redisPrefix}#${index}}`;
        expect(await redis.exists(`${tag}:deliver:meta`)).toBe(1);
      }
    } finally {
      redis.disconnect();
    }
  });
});
