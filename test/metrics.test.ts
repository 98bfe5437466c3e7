import { Metrics } from '@hookrail/telemetry';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';
import { useReceiver } from './support/receiver.ts';
import { waitFor } from './support/wait.ts';
import { useTestWorker } from './support/worker.ts';

const env = useTestEnv();
// As in the all-in-one process: the API serves one registry the worker counts into too.
const shared = new Metrics();
const api = useTestApi(env, {}, { metrics: shared });
// Retries and reconciliation wait long enough that nothing moves unless a test makes it.
const quiet = { HOOKRAIL_RETRY_SCHEDULE: '600', HOOKRAIL_RECONCILE_INTERVAL: '3600' };
useTestWorker(env, quiet, { metrics: shared });
const receiver = useReceiver();

const metricsToken = 'metrics-token-0123456789';
const guarded = useTestApi(env, { HOOKRAIL_METRICS_TOKEN: metricsToken });
// On a queue of its own, so that it takes none of the first worker's jobs.
const split = useTestWorker(env, {
  ...quiet,
  HOOKRAIL_REDIS_PREFIX: `${env.redisPrefix}-split`,
  HOOKRAIL_WORKER_METRICS_PORT: '0',
  HOOKRAIL_METRICS_TOKEN: metricsToken,
});

/** Samples of a Prometheus text exposition: `name{labels}` → value. */
function parse(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return samples;
}

async function scrape(client: HttpClient = api.anonymous): Promise<Map<string, number>> {
  const res = await client.get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parse(res.text);
}

const value = (samples: Map<string, number>, key: string) => samples.get(key) ?? 0;

let client: HttpClient;
let tenantId: string;
let appId: string;
beforeAll(async () => {
  ({ client, id: tenantId } = await api.newTenant());
  appId = (await client.post('/api/v1/app', { name: 'Metrics' })).json<{ id: string }>().id;
});

async function deliverOne(path: string): Promise<void> {
  const endpoint = await client.post(`/api/v1/app/${appId}/endpoint`, {
    url: `${receiver.url}${path}`,
  });
  expect(endpoint.status).toBe(201);
  const endpointId = endpoint.json<{ id: string }>().id;
  const sent = await client.post(`/api/v1/app/${appId}/msg`, { eventType: 'a.b', payload: {} });
  expect(sent.status).toBe(202);
  const msgId = sent.json<{ id: string }>().id;
  await waitFor('the attempt to be recorded', async () => {
    const res = await client.get(`/api/v1/app/${appId}/attempt/endpoint/${endpointId}`);
    return res.json<{ data: { msgId: string }[] }>().data.some((a) => a.msgId === msgId);
  });
  await client.patch(`/api/v1/app/${appId}/endpoint/${endpointId}`, { disabled: true });
}

describe('metrics', () => {
  it('move as messages are accepted and delivered: counters, the duration histogram, outcomes', async () => {
    receiver.answer((request) => ({ status: request.path === '/fails' ? 500 : 200 }));
    const before = await scrape();
    await deliverOne('/ok');
    await deliverOne('/fails');
    const after = await scrape();
    const delta = (key: string) => value(after, key) - value(before, key);
    expect(delta('hookrail_messages_accepted_total')).toBe(2);
    expect(delta('hookrail_attempts_total{outcome="success"}')).toBe(1);
    expect(delta('hookrail_attempts_total{outcome="http_error"}')).toBe(1);
    expect(delta('hookrail_attempt_duration_seconds_count{outcome="success"}')).toBe(1);
    expect(delta('hookrail_attempt_duration_seconds_count{outcome="http_error"}')).toBe(1);
    expect(delta('hookrail_attempt_duration_seconds_bucket{le="+Inf",outcome="success"}')).toBe(1);
    expect(delta('hookrail_attempt_duration_seconds_sum{outcome="success"}')).toBeGreaterThan(0);
    expect(delta('hookrail_deliveries_total{outcome="succeeded"}')).toBe(1);
    expect(delta('hookrail_deliveries_total{outcome="retry_scheduled"}')).toBe(1);
    // Both endpoints were disabled after their attempt; the failed delivery waits 10 min.
    expect(value(after, 'hookrail_endpoints_disabled')).toBeGreaterThanOrEqual(2);
    expect(after.has('hookrail_queue_lag_seconds')).toBe(true);
    expect(after.has('hookrail_queue_jobs{state="delayed"}')).toBe(true);
    expect(after.has('hookrail_stream_connections')).toBe(true);
    expect(after.has('process_cpu_user_seconds_total')).toBe(true);
  });

  it('count refused messages by error code, and never label by tenant, app or event type', async () => {
    const before = await scrape();
    const refused = await client.post(`/api/v1/app/${appId}/msg`, { payload: {} });
    expect(refused.status).toBe(422);
    const missing = await client.post('/api/v1/app/app_uid_nobody_has/msg', {
      eventType: 'secret.event-name',
      payload: {},
    });
    expect(missing.status).toBe(404);
    const res = await api.anonymous.get('/metrics');
    const after = parse(res.text);
    const delta = (key: string) => value(after, key) - value(before, key);
    expect(delta('hookrail_ingest_refusals_total{code="validation"}')).toBe(1);
    expect(delta('hookrail_ingest_refusals_total{code="not_found"}')).toBe(1);
    for (const chosen of ['app_uid_nobody_has', 'secret.event-name', tenantId, appId]) {
      expect(res.text).not.toContain(chosen);
    }
  });

  it('a lag gauge reads the age of the oldest due delivery from Postgres', async () => {
    const { rows } = await env.sql.query<{ id: string }>(
      `update deliveries set status = 'pending', next_attempt_at = now() - interval '1 hour'
        where id = (select id from deliveries order by id limit 1) returning id`,
    );
    expect(rows).toHaveLength(1);
    await waitFor('a lag of at least an hour', async () => {
      const lag = value(await scrape(), 'hookrail_queue_lag_seconds');
      return lag >= 3600 && lag < 7200;
    });
  });
});

describe('metrics behind HOOKRAIL_METRICS_TOKEN', () => {
  it('answer 401 unauthorized without the token or with a wrong one, 200 with it', async () => {
    const none = await guarded.anonymous.get('/metrics');
    expect(none.status).toBe(401);
    expect(none.json()).toMatchObject({ code: 'unauthorized' });
    const wrong = await guarded.anonymous.request('GET', '/metrics', undefined, {
      authorization: 'Bearer not-the-metrics-token',
    });
    expect(wrong.status).toBe(401);
    const right = await guarded.anonymous.request('GET', '/metrics', undefined, {
      authorization: `Bearer ${metricsToken}`,
    });
    expect(right.status).toBe(200);
    expect(right.text).toContain('hookrail_messages_accepted_total');
  });

  it('a worker on its own serves its metrics on HOOKRAIL_WORKER_METRICS_PORT, same token rule', async () => {
    const port = split.metricsPort();
    expect(port).toBeGreaterThan(0);
    const url = `http://127.0.0.1:${port}/metrics`;
    const refused = await fetch(url);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'unauthorized' });
    const res = await fetch(url, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain('hookrail_attempt_duration_seconds');
    expect(text).toContain('hookrail_reconciler_requeued_total');
    expect(text).toContain('process_resident_memory_bytes');
    expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
  });

  it("a worker's metrics port answers its liveness probe without the token", async () => {
    const res = await fetch(`http://127.0.0.1:${split.metricsPort()}/health/live`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    const post = await fetch(`http://127.0.0.1:${split.metricsPort()}/health/live`, {
      method: 'POST',
    });
    expect(post.status).toBe(404);
  });
});
