import { describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { useTestWorker } from './support/worker.ts';

const concurrency = 2;
const env = useTestEnv();
const api = useTestApi(env);
// Two slots, which requests keep for as long as they are open (no slow class within the test),
// so that nothing but the queue's order decides what runs next.
useTestWorker(env, {
  HOOKRAIL_WORKER_CONCURRENCY: String(concurrency),
  HOOKRAIL_SLOW_AFTER: '300',
  HOOKRAIL_REQUEST_TIMEOUT: '300',
});
const receiver = useReceiver();

/** An application of the tenant with an endpoint for each path. */
async function appWithEndpoints(client: HttpClient, paths: string[]): Promise<string> {
  const app = (await client.post('/api/v1/app', { name: 'Customer' })).json<{ id: string }>();
  for (const path of paths) {
    const created = await client.post(`/api/v1/app/${app.id}/endpoint`, {
      url: `${receiver.url}${path}`,
    });
    expect(created.status).toBe(201);
  }
  return app.id;
}

describe("a tenant's backlog", () => {
  it("does not hold back another tenant's fresh delivery: it goes out while the backlog still drains", async () => {
    const backlogPaths = ['/a-1', '/a-2', '/a-3'];
    const busy = await api.newTenant('Busy');
    const quiet = await api.newTenant('Quiet');
    const busyApp = await appWithEndpoints(busy.client, backlogPaths);
    const quietApp = await appWithEndpoints(quiet.client, ['/b']);

    // The busy tenant's first requests hang, holding both worker slots, while it queues
    // 100 messages to 3 endpoints: 300 deliveries.
    let gateOpen = false;
    receiver.answer(() => (gateOpen ? { status: 200, body: 'ok' } : 'hang'));
    const windowOf = (at: number) => Math.floor(at / 10_000); // the queue's fairness window
    const firstWindow = windowOf(Date.now());
    for (let i = 0; i < 100; i++) {
      const sent = await busy.client.post(`/api/v1/app/${busyApp}/msg`, {
        eventType: 'bulk.item',
        payload: { i },
      });
      expect(sent.status).toBe(202);
    }
    const windows = windowOf(Date.now()) - firstWindow + 1;
    await receiver.waitForRequests(concurrency);

    // The quiet tenant sends one message while all 300 are queued or in flight.
    const sent = await quiet.client.post(`/api/v1/app/${quietApp}/msg`, {
      eventType: 'one.item',
      payload: {},
    });
    expect(sent.status).toBe(202);
    const quietId = sent.json<{ id: string }>().id;

    gateOpen = true;
    receiver.release(200);
    await receiver.waitForRequests(1, '/b');
    await receiver.waitForRequests(300 + 1, undefined, 100_000);

    const order = receiver.requestsTo().map((r) => r.path);
    const quietAt = order.indexOf('/b');
    expect(receiver.requestsTo('/b')[0]?.headers['webhook-id']).toBe(quietId);
    const busyBefore = order.slice(0, quietAt).length;
    // First-in first-out, it would have come after all 300. It came after those in flight and
    // at most one more of the busy tenant's per window its messages were queued in (the
    // tenant's first, ranked like the quiet tenant's; its count carries into a later window).
    expect(busyBefore).toBeLessThan(300);
    expect(busyBefore).toBeLessThanOrEqual(concurrency + windows);
    // The backlog was not dropped: every delivery of the busy tenant arrived.
    for (const path of backlogPaths) expect(receiver.requestsTo(path)).toHaveLength(100);
    console.info(
      `tenant fairness: the quiet tenant's delivery arrived after ${busyBefore} of the busy tenant's 300`,
    );
  }, 120_000); // 300 deliveries through two slots, on a busy machine
});
