import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const env = useTestEnv();
const api = useTestApi(env);
// A floor of 1.5 s under a schedule whose longest delay (10 s) caps any Retry-After.
useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: '0.05,10', HOOKRAIL_THROTTLE_MIN_DELAY: '1.5' });
const receiver = useReceiver();

let client: HttpClient;
beforeAll(async () => {
  client = (await api.newTenant()).client;
});

async function newEndpoint(path: string) {
  const app = (await client.post('/api/v1/app', { name: path })).json<{ id: string }>();
  await client.post(`/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}${path}` });
  return { appId: app.id };
}

describe('Retry-After', () => {
  it('a 429 with Retry-After: 1 is retried no sooner than the floor', async () => {
    let first = true;
    receiver.answer((req) => {
      if (req.path !== '/busy') return { status: 200, body: 'ok' };
      const reply = first
        ? { status: 429, headers: { 'retry-after': '1' } }
        : { status: 200, body: 'ok' };
      first = false;
      return reply;
    });
    const { appId } = await newEndpoint('/busy');
    const msg = (
      await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: {} })
    ).json<{ id: string }>();
    const rows = await waitFor('two attempts to be recorded', async () => {
      const result = await env.sql.query<{ started_at: Date; status_code: number }>(
        'select started_at, status_code from attempts where message_id = $1 order by attempt_number',
        [msg.id],
      );
      return result.rows.length === 2 ? result.rows : undefined;
    });
    const [a, b] = rows;
    if (!a || !b) throw new Error('expected two attempts');
    expect([a.status_code, b.status_code]).toEqual([429, 200]);
    expect(b.started_at.getTime() - a.started_at.getTime()).toBeGreaterThanOrEqual(1500);
  });
});
