import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

type Line = Record<string, unknown>;

/** A log destination whose lines the tests read back, parsed. */
function captured(): { stream: Writable; lines: Line[]; text: () => string } {
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      raw.push(chunk.toString());
      done();
    },
  });
  return {
    stream,
    get lines() {
      return raw.map((line) => JSON.parse(line) as Line);
    },
    text: () => raw.join(''),
  };
}

const env = useTestEnv();
const apiLogs = captured();
const workerLogs = captured();
const api = useTestApi(env, { HOOKRAIL_LOG_LEVEL: 'info' }, { logs: apiLogs.stream });
useTestWorker(env, { HOOKRAIL_LOG_LEVEL: 'info' }, { logs: workerLogs.stream });
const receiver = useReceiver();

// Redis unreachable: the resend below is committed but cannot be queued,, which the API logs
// while serving the request, from code that is not handed the request id.
const redisLogs = captured();
const noRedis = useTestApi(
  env,
  { REDIS_URL: 'redis://127.0.0.1:1', HOOKRAIL_LOG_LEVEL: 'info' },
  { logs: redisLogs.stream },
);

describe('logs', () => {
  it('every line written while serving a request carries its request id', async () => {
    const { client } = await noRedis.newTenant();
    const app = (await client.post('/api/v1/app', { name: 'Logs' })).json<{ id: string }>();
    const endpoint = (
      await client.post(`/api/v1/app/${app.id}/endpoint`, { url: 'https://example.com/hook' })
    ).json<{ id: string }>();
    const msg = (
      await client.post(`/api/v1/app/${app.id}/msg`, { eventType: 'a.b', payload: {} })
    ).json<{ id: string }>();
    // As if its attempts were exhausted, so that a resend queues a new one.
    await env.sql.query(
      `update deliveries set status = 'failed', next_attempt_at = null where message_id = $1`,
      [msg.id],
    );
    const res = await client.post(
      `/api/v1/app/${app.id}/msg/${msg.id}/endpoint/${endpoint.id}/resend`,
      undefined,
      { 'x-request-id': 'resend-req-1' },
    );
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe('resend-req-1');
    const lines = await waitFor('the request line', () => {
      const mine = redisLogs.lines.filter((line) => line.requestId === 'resend-req-1');
      return mine.some((line) => line.msg === 'request') && mine;
    });
    // The warning is written by the queueing helper, which is not given the id.
    expect(lines.map((line) => line.msg)).toContain('committed but not queued');
  });

  it('one info line per delivery attempt: ids, status, duration; no payload, URL or secret', async () => {
    const { client } = await api.newTenant();
    const app = (await client.post('/api/v1/app', { name: 'Logs' })).json<{ id: string }>();
    const created = await client.post(`/api/v1/app/${app.id}/endpoint`, {
      url: `${receiver.url}/hook?token=query-credential-123`,
      headers: { authorization: 'Bearer header-credential-456' },
    });
    expect(created.status).toBe(201);
    const endpointId = created.json<{ id: string }>().id;
    const secret = (await client.get(`/api/v1/app/${app.id}/endpoint/${endpointId}/secret`)).json<{
      key: string;
    }>().key;
    const msg = (
      await client.post(`/api/v1/app/${app.id}/msg`, {
        eventType: 'a.b',
        payload: { card: 'payload-marker-789' },
      })
    ).json<{ id: string }>();
    const line = await waitFor('the attempt line', () =>
      workerLogs.lines.find((l) => l.msg === 'attempt' && l.messageId === msg.id),
    );
    expect(line).toMatchObject({
      level: 'info',
      messageId: msg.id,
      endpointId,
      deliveryId: expect.any(String),
      attemptId: expect.any(String),
      attempt: 1,
      outcome: 'success',
      statusCode: 200,
      durationMs: expect.any(Number),
      error: null,
      next: 'succeeded',
    });
    const everything = workerLogs.text() + apiLogs.text();
    for (const secretValue of [
      'payload-marker-789',
      'query-credential-123',
      'header-credential-456',
      secret,
      receiver.url,
    ]) {
      expect(everything).not.toContain(secretValue);
    }
  });
});
