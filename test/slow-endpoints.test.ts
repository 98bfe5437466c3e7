import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const slots = 10;
const cap = 3;
const hanging = ['/hang-1', '/hang-2', '/hang-3', '/hang-4', '/hang-5'];
const env = useTestEnv();
const api = useTestApi(env);
// Five hanging endpoints may have 15 requests open between them: more than the worker's slots.
useTestWorker(env, {
  HOOKRAIL_WORKER_CONCURRENCY: String(slots),
  HOOKRAIL_ENDPOINT_MAX_INFLIGHT: String(cap),
  HOOKRAIL_SLOW_INFLIGHT: String(slots),
  HOOKRAIL_SLOW_AFTER: '0.5',
  HOOKRAIL_REQUEST_TIMEOUT: '60',
});
const receiver = useReceiver();

let client: HttpClient;
beforeAll(async () => {
  client = (await api.newTenant()).client;
});

async function endpointApp(path: string): Promise<string> {
  const app = (await client.post('/api/v1/app', { name: path })).json<{ id: string }>();
  await client.post(`/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}${path}` });
  return app.id;
}

const openHanging = () => hanging.reduce((sum, path) => sum + receiver.openRequests(path), 0);

describe('slow endpoints', () => {
  it('cannot take the worker slots: every healthy delivery arrives while more hanging requests than slots are open', async () => {
    receiver.answer((req) => (req.path.startsWith('/hang') ? 'hang' : { status: 200 }));
    for (const path of hanging) {
      const app = await endpointApp(path);
      for (let i = 0; i < 4; i++) {
        await client.post(`/api/v1/app/${app}/msg`, { eventType: 'a.b', payload: { i } });
      }
    }
    // As many hanging requests open as the worker has slots: without a way out of the slots,
    // nothing else could be sent now.
    await waitFor(`${slots} hanging requests open`, () => openHanging() >= slots);

    const healthy = await endpointApp('/healthy');
    for (let i = 0; i < 10; i++) {
      await client.post(`/api/v1/app/${healthy}/msg`, { eventType: 'a.b', payload: { i } });
    }
    await receiver.waitForRequests(10, '/healthy');

    // Every healthy delivery arrived while every hanging request was still open, unanswered.
    expect(openHanging()).toBeGreaterThanOrEqual(slots);
    expect(
      hanging.flatMap((path) => receiver.requestsTo(path)).every((r) => r.status === undefined),
    ).toBe(true);
    // No endpoint went past its own cap, slow or not.
    for (const path of hanging) expect(receiver.maxOpen.get(path) ?? 0).toBeLessThanOrEqual(cap);
  });
});
