import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { pendingJobs } from './support/queue.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { testWorkerConfig, useTestWorker } from './support/worker.ts';
import { jwtSecretSetting, keyCheckSetting } from '@hookrail/db';
import { createLogger } from '@hookrail/logger';
import { keyCheck, Vault } from '@hookrail/secrets';
import { startWorker } from '@hookrail/worker';

const env = useTestEnv();
const api = useTestApi(env);
// The worker is started by each test once the state to check is in place.
const worker = useTestWorker(env, {}, { autostart: false });
const receiver = useReceiver();

interface Destination {
  id: string;
  deliveryStatus: string;
  status: number;
  endpointDeleted: boolean;
}

let client: HttpClient;
let appId: string;
beforeAll(async () => {
  client = (await api.newTenant()).client;
  appId = (await client.post('/api/v1/app', { name: 'App' })).json<{ id: string }>().id;
});

async function endpoint(path: string): Promise<string> {
  return (
    await client.post(`/api/v1/app/${appId}/endpoint`, { url: `${receiver.url}${path}` })
  ).json<{ id: string }>().id;
}

async function send(): Promise<string> {
  const res = await client.post(`/api/v1/app/${appId}/msg`, {
    eventType: 'thing.happened',
    payload: { n: 1 },
  });
  expect(res.status).toBe(202);
  return res.json<{ id: string }>().id;
}

async function destinations(msgId: string): Promise<Destination[]> {
  return (await client.get(`/api/v1/app/${appId}/msg/${msgId}/endpoint`)).json<{
    data: Destination[];
  }>().data;
}

describe('endpoint state and pending deliveries', () => {
  it('deleting an endpoint cancels its pending deliveries: listed as canceled and never sent', async () => {
    await worker.stop();
    const doomed = await endpoint('/doomed');
    const kept = await endpoint('/kept');
    const msgId = await send();
    expect((await destinations(msgId)).map((d) => d.deliveryStatus)).toEqual([
      'pending',
      'pending',
    ]);

    expect((await client.delete(`/api/v1/app/${appId}/endpoint/${doomed}`)).status).toBe(204);
    const after = await destinations(msgId);
    expect(after.find((d) => d.id === doomed)).toMatchObject({
      deliveryStatus: 'canceled',
      status: 4,
      endpointDeleted: true,
    });

    await worker.start();
    await waitFor('the kept endpoint to be delivered to', async () =>
      (await destinations(msgId)).find((d) => d.id === kept && d.deliveryStatus === 'succeeded'),
    );
    await waitFor('the delivery queue to be empty', async () => (await pendingJobs(env)) === 0);
    expect(receiver.requestsTo('/doomed')).toEqual([]);
    expect((await destinations(msgId)).find((d) => d.id === doomed)?.deliveryStatus).toBe(
      'canceled',
    );
    const attempts = await env.sql.query(
      'select count(*)::int as n from attempts where endpoint_id = $1',
      [doomed],
    );
    expect(attempts.rows[0]).toEqual({ n: 0 });
    await client.delete(`/api/v1/app/${appId}/endpoint/${kept}`);
  });

  it('a disabled endpoint gets no new deliveries, and its pending ones fail unsent, saying why', async () => {
    await worker.stop();
    const paused = await endpoint('/paused');
    const pending = await send();
    expect((await destinations(pending)).map((d) => d.deliveryStatus)).toEqual(['pending']);

    expect(
      (await client.patch(`/api/v1/app/${appId}/endpoint/${paused}`, { disabled: true })).status,
    ).toBe(200);
    const later = await send();
    expect(await destinations(later)).toEqual([]);

    await worker.start();
    const [destination] = await waitFor('the pending delivery to be final', async () => {
      const list = await destinations(pending);
      return list.every((d) => d.deliveryStatus !== 'pending' && d.deliveryStatus !== 'sending')
        ? list
        : undefined;
    });
    expect(destination).toMatchObject({ id: paused, deliveryStatus: 'failed', status: 2 });
    expect(receiver.requestsTo('/paused')).toEqual([]);
    const attempts = (await client.get(`/api/v1/app/${appId}/attempt/endpoint/${paused}`)).json<{
      data: { error: string; responseStatusCode: number }[];
    }>().data;
    expect(attempts).toEqual([
      expect.objectContaining({
        responseStatusCode: 0,
        error: expect.stringMatching(/^endpoint_disabled:/),
      }),
    ]);

    // Enabled again, it receives new messages.
    await client.patch(`/api/v1/app/${appId}/endpoint/${paused}`, { disabled: false });
    const resumed = await send();
    await receiver.waitForRequests(1, '/paused');
    expect(receiver.requestsTo('/paused')[0]?.headers['webhook-id']).toBe(resumed);
  });

  it('a signing key the worker cannot open fails attempts unsent, on the schedule; a resend after the fix sends it', async () => {
    await worker.stop();
    const app = (await client.post('/api/v1/app', { name: 'Wrong key' })).json<{ id: string }>();
    const ep = (
      await client.post(`/api/v1/app/${app.id}/endpoint`, { url: `${receiver.url}/wrong-key` })
    ).json<{ id: string }>().id;
    const msg = (
      await client.post(`/api/v1/app/${app.id}/msg`, { eventType: 'a.b', payload: {} })
    ).json<{ id: string }>().id;
    // A worker given another encryption key than the one the secrets were sealed with.
    const otherKey = Buffer.alloc(32, 9);
    const wrongKey = testWorkerConfig(env, {
      HOOKRAIL_ENCRYPTION_KEY: otherKey.toString('base64'),
      HOOKRAIL_RETRY_SCHEDULE: '0.05',
    });
    const silent = createLogger({ name: 'worker', level: 'silent' });
    // The start is refused: the installation's key check does not open.
    await expect(startWorker(wrongKey, silent)).rejects.toThrow(/HOOKRAIL_ENCRYPTION_KEY/);
    // Where the start cannot tell (a key check sealed with this worker's key, as if it had
    // started first on an installation whose secrets it cannot open), the attempts must.
    const stored = await env.sql.query<{ name: string; value: string }>(
      `delete from settings where name in ('${jwtSecretSetting}', '${keyCheckSetting}') returning name, value`,
    );
    await env.sql.query('insert into settings (name, value) values ($1, $2)', [
      keyCheckSetting,
      keyCheck(new Vault(otherKey)).seal(),
    ]);
    const misconfigured = await startWorker(wrongKey, silent).finally(async () => {
      // The installation's own settings take their place again.
      await env.sql.query('delete from settings where name = $1', [keyCheckSetting]);
      for (const { name, value } of stored.rows)
        await env.sql.query('insert into settings (name, value) values ($1, $2)', [name, value]);
    });
    const attemptsOf = async () =>
      (await client.get(`/api/v1/app/${app.id}/attempt/endpoint/${ep}`)).json<{
        data: { error: string | null; responseStatusCode: number }[];
      }>().data;
    try {
      await waitFor('the delivery to fail after its schedule', async () => {
        const list = await client.get(`/api/v1/app/${app.id}/msg/${msg}/endpoint`);
        return list.json<{ data: Destination[] }>().data[0]?.deliveryStatus === 'failed';
      });
    } finally {
      await misconfigured.close();
    }
    const attempts = await attemptsOf();
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({
        responseStatusCode: 0,
        error: expect.stringMatching(/^signing_failed: .*HOOKRAIL_ENCRYPTION_KEY/),
      });
    }
    expect(receiver.requestsTo('/wrong-key')).toEqual([]);

    await worker.start();
    const resend = await client.post(`/api/v1/app/${app.id}/msg/${msg}/endpoint/${ep}/resend`, {});
    expect(resend.status).toBe(202);
    await receiver.waitForRequests(1, '/wrong-key');
    expect(receiver.requestsTo('/wrong-key')[0]?.headers['webhook-id']).toBe(msg);
  });
});
