import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const env = useTestEnv();
const api = useTestApi(env);
useTestWorker(env, {
  HOOKRAIL_BREAKER_FAILURES: '3',
  HOOKRAIL_BREAKER_PROBE_INTERVAL: '0.3',
  // Many quick retries, so that no delivery runs out of attempts while the breaker holds it.
  HOOKRAIL_RETRY_SCHEDULE: Array.from({ length: 20 }, () => '0.1').join(','),
});
const receiver = useReceiver();

interface Endpoint {
  id: string;
  breakerState: string;
  consecutiveFailures: number;
  failingSince: string | null;
}

let client: HttpClient;
beforeAll(async () => {
  client = (await api.newTenant()).client;
});

describe('the circuit breaker', () => {
  it('holds the backlog of a dead endpoint, sends only probes, then delivers everything exactly once', async () => {
    let up = false;
    receiver.answer((req) =>
      req.path !== '/flaky' || up ? { status: 200, body: 'ok' } : { status: 503, body: 'down' },
    );
    const app = (await client.post('/api/v1/app', { name: 'Breaker' })).json<{ id: string }>();
    const ep = (
      await client.post(`/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}/flaky` })
    ).json<Endpoint>();
    const endpoint = async () =>
      (await client.get(`/api/v1/app/${app.id}/endpoint/${ep.id}`)).json<Endpoint>();
    const send = async (i: number) =>
      (await client.post(`/api/v1/app/${app.id}/msg`, { eventType: 'a.b', payload: { i } })).json<{
        id: string;
      }>().id;

    const messages = [await send(0)];
    const opened = await waitFor('the breaker to open', async () => {
      const e = await endpoint();
      return e.breakerState === 'open' ? e : undefined;
    });
    expect(opened.consecutiveFailures).toBeGreaterThanOrEqual(3);
    expect(opened.failingSince).toEqual(expect.any(String));

    const beforeBacklog = receiver.requestsTo('/flaky').length;
    const backlog = 20;
    for (let i = 1; i <= backlog; i++) messages.push(await send(i));
    // Wait for two probes: the breaker lets one request through at a time, on a growing interval.
    await receiver.waitForRequests(beforeBacklog + 2, '/flaky');
    const whileDown = receiver.requestsTo('/flaky').slice(beforeBacklog);
    expect(whileDown.length).toBeLessThan(backlog);
    expect(receiver.maxOpen.get('/flaky')).toBe(1);

    up = true;
    await waitFor(
      'every message to be delivered',
      () =>
        new Set(
          receiver
            .requestsTo('/flaky')
            .filter((r) => r.status === 200)
            .map((r) => r.headers['webhook-id']),
        ).size === messages.length,
      30_000,
    );
    // Exactly once each: the only other requests were the failures and probes while it was down.
    const succeeded = receiver.requestsTo('/flaky').filter((r) => r.status === 200);
    expect(succeeded.map((r) => r.headers['webhook-id']).sort()).toEqual([...messages].sort());
    const failed = receiver.requestsTo('/flaky').filter((r) => r.status === 503);
    expect(failed.length).toBeLessThan(backlog);

    const closed = await waitFor('the breaker to close', async () => {
      const e = await endpoint();
      return e.breakerState === 'closed' ? e : undefined;
    });
    expect(closed).toMatchObject({ consecutiveFailures: 0, failingSince: null });
    console.info(
      `breaker: ${messages.length} messages, ${failed.length} failed requests while down, ${succeeded.length} deliveries after recovery`,
    );
  });
});
