import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const env = useTestEnv();
const api = useTestApi(env);
// Steps that differ by a wide factor, so that a slow machine cannot reorder them.
useTestWorker(env, { HOOKRAIL_RETRY_SCHEDULE: '0.2,2', HOOKRAIL_REQUEST_TIMEOUT: '1' });
const receiver = useReceiver();

interface Attempt {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  timestamp: string;
  responseStatusCode: number;
  response: string;
  responseDurationMs: number;
  status: number;
  statusText: string;
  triggerType: number;
  attemptNumber: number;
  error: string | null;
}
interface Destination {
  id: string;
  deliveryStatus: string;
  status: number;
  attemptCount: number;
}

let client: HttpClient;
beforeAll(async () => {
  client = (await api.newTenant()).client;
  for (const name of ['invoice.paid', 'user.signup']) {
    await client.post('/api/v1/event-type', { name, description: name });
  }
});

let appCount = 0;
async function newApp(): Promise<string> {
  const res = await client.post('/api/v1/app', { name: `app ${++appCount}` });
  return res.json<{ id: string }>().id;
}

async function newEndpoint(appId: string, path: string, extra: Record<string, unknown> = {}) {
  const res = await client.post(`/api/v1/app/${appId}/endpoint`, {
    url: `${receiver.url}${path}`,
    ...extra,
  });
  expect(res.status).toBe(201);
  const id = res.json<{ id: string }>().id;
  const secret = (await client.get(`/api/v1/app/${appId}/endpoint/${id}/secret`)).json<{
    key: string;
  }>().key;
  return { id, secret };
}

async function send(appId: string, body: Record<string, unknown>): Promise<string> {
  const res = await client.post(`/api/v1/app/${appId}/msg`, body);
  expect(res.status).toBe(202);
  return res.json<{ id: string }>().id;
}

async function destinations(appId: string, msgId: string): Promise<Destination[]> {
  return (await client.get(`/api/v1/app/${appId}/msg/${msgId}/endpoint`)).json<{
    data: Destination[];
  }>().data;
}

/** Resolves when every delivery of the message is final (succeeded, failed or canceled). */
async function settled(appId: string, msgId: string): Promise<Destination[]> {
  return waitFor(`deliveries of ${msgId} to settle`, async () => {
    const list = await destinations(appId, msgId);
    return list.every((d) => ['succeeded', 'failed', 'canceled'].includes(d.deliveryStatus))
      ? list
      : undefined;
  });
}

describe('delivery', () => {
  it('POSTs the message signed per Standard Webhooks, verifiable with the standardwebhooks library', async () => {
    const appId = await newApp();
    const { id: endpointId, secret } = await newEndpoint(appId, '/signed', {
      headers: { 'x-team': 'billing' },
    });
    const payload = { invoiceId: 'inv_1', amount: 4200, note: 'üñí 🚀' };
    const msgId = await send(appId, { eventType: 'invoice.paid', payload });

    const [request] = await receiver.waitForRequests(1, '/signed');
    if (request === undefined) throw new Error('no request');
    expect(request.method).toBe('POST');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['user-agent']).toMatch(/^Hookrail/);
    expect(request.headers['x-team']).toBe('billing');
    expect(request.headers['webhook-id']).toBe(msgId);
    expect(JSON.parse(request.body)).toEqual(payload);
    const verified = new Webhook(secret).verify(request.body, {
      'webhook-id': String(request.headers['webhook-id']),
      'webhook-timestamp': String(request.headers['webhook-timestamp']),
      'webhook-signature': String(request.headers['webhook-signature']),
    });
    expect(verified).toEqual(payload);
    // A wrong secret does not verify.
    expect(() =>
      new Webhook('whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD').verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }),
    ).toThrow();

    await settled(appId, msgId);
    const attempts = (await client.get(`/api/v1/app/${appId}/attempt/msg/${msgId}`)).json<{
      data: Attempt[];
    }>();
    expect(attempts.data).toEqual([
      expect.objectContaining({
        msgId,
        endpointId,
        url: `${receiver.url}/signed`,
        responseStatusCode: 200,
        response: 'ok',
        status: 0,
        statusText: 'success',
        triggerType: 0,
        attemptNumber: 1,
        error: null,
      }),
    ]);
  });

  it('retries a receiver that answers 500 twice: three requests, one webhook-id, spaced by the schedule', async () => {
    const appId = await newApp();
    const { id: endpointId } = await newEndpoint(appId, '/flaky');
    receiver.answer((req) => {
      if (req.path !== '/flaky') return { status: 200, body: 'ok' };
      const nth = receiver.requestsTo('/flaky').indexOf(req);
      return nth < 2
        ? { status: 500, body: `failure ${nth + 1}` }
        : { status: 200, body: 'finally' };
    });
    const msgId = await send(appId, { eventType: 'invoice.paid', payload: { n: 1 } });

    const requests = await receiver.waitForRequests(3, '/flaky');
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([msgId]));
    expect(new Set(requests.map((r) => r.body)).size).toBe(1);

    const [destination] = await settled(appId, msgId);
    expect(destination).toMatchObject({
      id: endpointId,
      deliveryStatus: 'succeeded',
      status: 0,
      attemptCount: 3,
    });

    const listed = (await client.get(`/api/v1/app/${appId}/attempt/msg/${msgId}`)).json<{
      data: Attempt[];
    }>().data;
    expect(
      listed.map((a) => [a.attemptNumber, a.responseStatusCode, a.statusText, a.response]),
    ).toEqual([
      [3, 200, 'success', 'finally'],
      [2, 500, 'fail', 'failure 2'],
      [1, 500, 'fail', 'failure 1'],
    ]);
    const byEndpoint = (
      await client.get(`/api/v1/app/${appId}/attempt/endpoint/${endpointId}`)
    ).json<{
      data: Attempt[];
    }>().data;
    expect(byEndpoint.map((a) => a.id)).toEqual(listed.map((a) => a.id));

    // Spacing, from what Postgres recorded: each gap is at least its scheduled delay less the
    // 20% jitter, and the 2 s step comes after the 0.2 s one.
    const { rows } = await env.sql.query<{ started_at: Date; duration_ms: number }>(
      'select started_at, duration_ms from attempts where message_id = $1 order by attempt_number',
      [msgId],
    );
    const gap = (i: number) => {
      const [a, b] = [rows[i], rows[i + 1]];
      if (!a || !b) throw new Error('missing attempt row');
      return b.started_at.getTime() - (a.started_at.getTime() + a.duration_ms);
    };
    expect(gap(0)).toBeGreaterThanOrEqual(200 * 0.8);
    expect(gap(1)).toBeGreaterThanOrEqual(2000 * 0.8);
    expect(gap(1)).toBeGreaterThan(gap(0));
    receiver.answer(() => ({ status: 200, body: 'ok' }));
  });

  it('gives up after the last scheduled attempt and marks the delivery failed', async () => {
    const appId = await newApp();
    await newEndpoint(appId, '/down');
    receiver.answer((req) =>
      req.path === '/down' ? { status: 503, body: 'down' } : { status: 200, body: 'ok' },
    );
    const msgId = await send(appId, { eventType: 'invoice.paid', payload: { n: 2 } });
    const [destination] = await settled(appId, msgId);
    expect(destination).toMatchObject({ deliveryStatus: 'failed', status: 2, attemptCount: 3 });
    expect(receiver.requestsTo('/down')).toHaveLength(3);
    const failed = (
      await client.get(`/api/v1/app/${appId}/attempt/msg/${msgId}?status=2&status_code_class=500`)
    ).json<{
      data: Attempt[];
    }>();
    expect(failed.data).toHaveLength(3);
    const none = (await client.get(`/api/v1/app/${appId}/attempt/msg/${msgId}?status=0`)).json<{
      data: Attempt[];
    }>();
    expect(none.data).toHaveLength(0);
    receiver.answer(() => ({ status: 200, body: 'ok' }));
  });

  it('records a receiver that never answers as a timeout', async () => {
    const appId = await newApp();
    await newEndpoint(appId, '/silent');
    receiver.answer((req) => (req.path === '/silent' ? 'hang' : { status: 200, body: 'ok' }));
    const msgId = await send(appId, { eventType: 'invoice.paid', payload: { n: 3 } });
    const attempt = await waitFor('the first attempt to be recorded', async () => {
      const list = (await client.get(`/api/v1/app/${appId}/attempt/msg/${msgId}`)).json<{
        data: Attempt[];
      }>().data;
      return list.find((a) => a.attemptNumber === 1);
    });
    expect(attempt).toMatchObject({
      status: 2,
      responseStatusCode: 0,
      error: expect.stringMatching(/^timeout:/),
    });
    expect(attempt.responseDurationMs).toBeGreaterThanOrEqual(1000);
    receiver.answer(() => ({ status: 200, body: 'ok' }));
  });

  it('signs and sends the exact digits the tenant sent, and reads them back unchanged', async () => {
    const appId = await newApp();
    const { secret } = await newEndpoint(appId, '/digits');
    const raw =
      '{"eventType":"invoice.paid","payload":{"big":12345678901234567890,"precise":0.10000000000000000555,"plain":7}}';
    const res = await client.request('POST', `/api/v1/app/${appId}/msg`, raw);
    expect(res.status).toBe(202);
    expect(res.text).toContain('"big":12345678901234567890');
    const msgId = res.json<{ id: string }>().id;
    const [request] = await receiver.waitForRequests(1, '/digits');
    if (request === undefined) throw new Error('no request');
    expect(request.body).toBe(
      '{"big":12345678901234567890,"precise":0.10000000000000000555,"plain":7}',
    );
    expect(() =>
      new Webhook(secret).verify(request.body, {
        'webhook-id': String(request.headers['webhook-id']),
        'webhook-timestamp': String(request.headers['webhook-timestamp']),
        'webhook-signature': String(request.headers['webhook-signature']),
      }),
    ).not.toThrow();
    const read = await client.get(`/api/v1/app/${appId}/msg/${msgId}`);
    expect(read.text).toContain(
      '"payload":{"big":12345678901234567890,"precise":0.10000000000000000555,"plain":7}',
    );
  });
});

describe('fan-out and filtering', () => {
  it('delivers to every matching endpoint, by event type and by channel, and to no other', async () => {
    const appId = await newApp();
    const all = await newEndpoint(appId, '/fan/all');
    const paid = await newEndpoint(appId, '/fan/paid', { filterTypes: ['invoice.paid'] });
    const signup = await newEndpoint(appId, '/fan/signup', { filterTypes: ['user.signup'] });
    const project1 = await newEndpoint(appId, '/fan/p1', { channels: ['project_1'] });
    const project2 = await newEndpoint(appId, '/fan/p2', { channels: ['project_2', 'project_3'] });
    const disabled = await newEndpoint(appId, '/fan/off', { disabled: true });

    const first = await send(appId, {
      eventType: 'invoice.paid',
      payload: { n: 1 },
      channels: ['project_1'],
    });
    const second = await send(appId, { eventType: 'user.signup', payload: { n: 2 } });
    const third = await send(appId, {
      eventType: 'undeclared.type',
      payload: { n: 3 },
      channels: ['project_3'],
    });

    const ids = async (msgId: string) => (await settled(appId, msgId)).map((d) => d.id).sort();
    expect(await ids(first)).toEqual([all.id, paid.id, project1.id].sort());
    // A message without channels reaches no channel-scoped endpoint.
    expect(await ids(second)).toEqual([all.id, signup.id].sort());
    // Event types need not be declared to be sent.
    expect(await ids(third)).toEqual([all.id, project2.id].sort());

    const seen = (path: string) =>
      receiver
        .requestsTo(path)
        .map((r) => r.headers['webhook-id'])
        .sort();
    expect(seen('/fan/all')).toEqual([first, second, third].sort());
    expect(seen('/fan/paid')).toEqual([first]);
    expect(seen('/fan/signup')).toEqual([second]);
    expect(seen('/fan/p1')).toEqual([first]);
    expect(seen('/fan/p2')).toEqual([third]);
    expect(seen('/fan/off')).toEqual([]);
    expect(receiver.requestsTo('/fan/off')).toEqual([]);
    expect(
      (await client.get(`/api/v1/app/${appId}/attempt/endpoint/${disabled.id}`)).json(),
    ).toMatchObject({
      data: [],
    });
  });

  it('accepts a message for an application with no endpoints and delivers nothing', async () => {
    const appId = await newApp();
    const msgId = await send(appId, { eventType: 'invoice.paid', payload: {} });
    expect(await destinations(appId, msgId)).toEqual([]);
    const { rows } = await env.sql.query(
      'select count(*)::int as n from deliveries where message_id = $1',
      [msgId],
    );
    expect(rows[0]).toEqual({ n: 0 });
  });
});

describe('messages', () => {
  it('are read back by id and by eventId, and listed newest first with filters', async () => {
    const appId = await newApp();
    const a = await send(appId, {
      eventType: 'invoice.paid',
      payload: { a: 1 },
      eventId: 'evt-a',
      channels: ['c1'],
    });
    const b = await send(appId, { eventType: 'user.signup', payload: { b: 2 }, tags: ['t1'] });
    expect((await client.get(`/api/v1/app/${appId}/msg/${a}`)).json()).toMatchObject({
      id: a,
      eventType: 'invoice.paid',
      eventId: 'evt-a',
      payload: { a: 1 },
      channels: ['c1'],
      timestamp: expect.any(String),
    });
    expect((await client.get(`/api/v1/app/${appId}/msg/evt-a`)).json()).toMatchObject({ id: a });

    const list = async (query: string) =>
      (await client.get(`/api/v1/app/${appId}/msg${query}`)).json<{
        data: { id: string; payload: unknown }[];
      }>().data;
    expect((await list('')).map((m) => m.id)).toEqual([b, a]);
    expect((await list('?event_types=user.signup')).map((m) => m.id)).toEqual([b]);
    expect(
      (await list('?event_types=user.signup&event_types=invoice.paid')).map((m) => m.id),
    ).toEqual([b, a]);
    expect((await list('?channel=c1')).map((m) => m.id)).toEqual([a]);
    expect((await list('?with_content=false'))[0]?.payload).toEqual({});
    const created = (await client.get(`/api/v1/app/${appId}/msg/${b}`)).json<{
      timestamp: string;
    }>().timestamp;
    expect((await list(`?before=${encodeURIComponent(created)}`)).map((m) => m.id)).toEqual([a]);
    expect(
      (
        await list(`?after=${encodeURIComponent(new Date(Date.parse(created) - 1).toISOString())}`)
      ).map((m) => m.id),
    ).toEqual([b]);
  });

  it('refuse bad input with its status and code, writing and sending nothing', async () => {
    const appId = await newApp();
    await newEndpoint(appId, '/bad');
    await send(appId, { eventType: 'invoice.paid', payload: {}, eventId: 'once' });
    await receiver.waitForRequests(1, '/bad');
    const before = (await env.sql.query('select count(*)::int as n from messages')).rows[0];

    const cases: [unknown, number, string, unknown[]?][] = [
      [{ eventType: 'invoice.paid', payload: {}, eventId: 'once' }, 409, 'conflict'],
      [{ eventType: 'invoice.paid', payload: [1, 2] }, 422, 'validation', ['body', 'payload']],
      [{ eventType: 'invoice.paid', payload: 'text' }, 422, 'validation', ['body', 'payload']],
      [
        '{"eventType": "invoice.paid", "payload": 12345678901234567890}',
        422,
        'validation',
        ['body', 'payload'],
      ],
      [{ eventType: 'invoice.paid' }, 422, 'validation', ['body', 'payload']],
      [{ payload: {} }, 422, 'validation', ['body', 'eventType']],
      [{ eventType: 'bad type', payload: {} }, 422, 'validation', ['body', 'eventType']],
      [
        { eventType: 'a', payload: {}, channels: ['1', '2', '3', '4', '5', '6'] },
        422,
        'validation',
        ['body', 'channels'],
      ],
      [
        { eventType: 'a', payload: {}, eventId: 'msg_01m812deav3ykp2txdrvc3tqbg' },
        422,
        'validation',
        ['body', 'eventId'],
      ],
      [{ eventType: 'a', payload: {}, extra: true }, 422, 'validation', ['body', 'extra']],
    ];
    for (const [body, status, code, loc] of cases) {
      const res = await client.post(`/api/v1/app/${appId}/msg`, body);
      expect({ body, status: res.status, code: res.json<{ code: string }>().code }).toEqual({
        body,
        status,
        code,
      });
      if (loc) expect(res.json<{ detail: { loc: unknown[] }[] }>().detail[0]?.loc).toEqual(loc);
    }
    const unknownApp = await client.post('/api/v1/app/no-such-app/msg', {
      eventType: 'a',
      payload: {},
    });
    expect(unknownApp.status).toBe(404);

    expect((await env.sql.query('select count(*)::int as n from messages')).rows[0]).toEqual(
      before,
    );
    expect(receiver.requestsTo('/bad')).toHaveLength(1);
  });
});
