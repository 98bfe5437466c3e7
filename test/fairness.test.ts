import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const cap = 3;
const env = useTestEnv();
const api = useTestApi(env);
// One worker with 10 slots; the hanging endpoint may hold at most `cap` of them.
useTestWorker(env, {
  HOOKRAIL_WORKER_CONCURRENCY: '10',
  HOOKRAIL_ENDPOINT_MAX_INFLIGHT: String(cap),
  HOOKRAIL_REQUEST_TIMEOUT: '60',
});
const receiver = useReceiver();

let client: HttpClient;
beforeAll(async () => {
  client = (await api.newTenant()).client;
});

/** Sends 5 messages to each healthy path; returns each delivery's latency (send to receipt). */
async function healthyRound(paths: string[]): Promise<number[]> {
  const sentAt = new Map<string, number>();
  for (const path of paths) {
    const app = (await client.post('/api/v1/app', { name: path })).json<{ id: string }>();
    await client.post(`/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}${path}` });
    for (let i = 0; i < 5; i++) {
      const at = Date.now();
      const msg = (
        await client.post(`/api/v1/app/${app.id}/msg`, { eventType: 'a.b', payload: { i } })
      ).json<{
        id: string;
      }>();
      sentAt.set(msg.id, at);
    }
  }
  await waitFor('every healthy delivery to arrive', () =>
    paths.every((path) => receiver.requestsTo(path).length === 5),
  );
  return paths.flatMap((path) =>
    receiver
      .requestsTo(path)
      .map((r) => r.at - (sentAt.get(String(r.headers['webhook-id'])) ?? r.at)),
  );
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

describe('an endpoint that hangs', () => {
  it('cannot starve the others: healthy deliveries complete while its first requests are still open', async () => {
    receiver.answer((req) => (req.path === '/hang' ? 'hang' : { status: 200, body: 'ok' }));
    const alone = await healthyRound(['/base-1', '/base-2', '/base-3', '/base-4']);

    const slow = (await client.post('/api/v1/app', { name: 'Slow' })).json<{ id: string }>();
    await client.post(`/api/v1/app/${slow.id}/endpoint`, { url: `${receiver.url}/hang` });
    for (let i = 0; i < 12; i++) {
      await client.post(`/api/v1/app/${slow.id}/msg`, { eventType: 'a.b', payload: { i } });
    }
    await receiver.waitForRequests(cap, '/hang');

    const beside = await healthyRound(['/ok-1', '/ok-2', '/ok-3', '/ok-4']);

    // At that moment the hanging endpoint's first requests are still open, unanswered...
    expect(receiver.openRequests('/hang')).toBe(cap);
    expect(receiver.requestsTo('/hang').every((r) => r.status === undefined)).toBe(true);
    // ...and it never had more than the cap in flight: the rest of its backlog waited
    // outside the worker's slots.
    expect(receiver.maxOpen.get('/hang')).toBe(cap);
    expect(receiver.requestsTo('/hang')).toHaveLength(cap);
    console.info(
      `fairness: healthy delivery latency, median of 20: ${median(alone)} ms alone, ` +
        `${median(beside)} ms beside an endpoint hanging with ${cap} requests open and 9 waiting`,
    );
  });
});
