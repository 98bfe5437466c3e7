import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testEncryptionKey, useTestEnv } from './support/env.ts';
import { HttpClient } from './support/http.ts';
import { runProcess, type RunningProcess } from './support/process.ts';
import { Receiver } from './support/receiver.ts';

// The API and the worker run as processes of their own: tracing is process-wide (the SDK is
// loaded, or not, once), and their exit on SIGTERM is when the last spans must be exported.

interface Attributes {
  [key: string]: string | number | boolean | undefined;
}

interface ExportedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  /** OTLP's numbering: 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Attributes;
  /** 2: error. */
  statusCode: number;
  links: { traceId: string; spanId: string }[];
  service: string | undefined;
}

interface OtlpKeyValue {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean };
}

function attributesOf(list: OtlpKeyValue[] | undefined): Attributes {
  const out: Attributes = {};
  for (const { key, value } of list ?? []) {
    out[key] =
      value.stringValue ??
      (value.intValue === undefined ? value.boolValue : Number(value.intValue));
  }
  return out;
}

/** An OTLP/HTTP collector stand-in on loopback that keeps what it is sent (JSON bodies). */
class Collector {
  readonly spans: ExportedSpan[] = [];
  readonly requests: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];
  private server: Server | undefined;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.requests.push({ path: req.url ?? '', headers: req.headers, body });
        if (req.headers['content-type']?.startsWith('application/json') === true) {
          this.collect(JSON.parse(body) as OtlpRequest);
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private collect(request: OtlpRequest): void {
    for (const resourceSpans of request.resourceSpans ?? []) {
      const service = attributesOf(resourceSpans.resource?.attributes)['service.name'];
      for (const scope of resourceSpans.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          this.spans.push({
            traceId: span.traceId,
            spanId: span.spanId,
            parentSpanId: span.parentSpanId || undefined,
            name: span.name,
            kind: span.kind,
            attributes: attributesOf(span.attributes),
            statusCode: span.status?.code ?? 0,
            links: (span.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
            service: typeof service === 'string' ? service : undefined,
          });
        }
      }
    }
  }

  async close(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpKeyValue[];
        status?: { code?: number };
        links?: { traceId: string; spanId: string }[];
      }[];
    }[];
  }[];
}

const env = useTestEnv();
const collector = new Collector();
const receiver = new Receiver();
beforeAll(async () => {
  await collector.start();
  await receiver.start();
});
afterAll(async () => {
  await collector.close();
  await receiver.close();
});

const running: RunningProcess[] = [];
afterEach(() => {
  for (const p of running.splice(0)) p.child.kill('SIGKILL');
});

const adminToken = 'tracing-admin-token-0123456789abcdef';
const collectorToken = 'collector-credential-5b1f0c2e';

/** An API and a worker on the test file's database, with `extra` added to their environment. */
async function startHookrail(extra: Record<string, string>) {
  const common = {
    DATABASE_URL: env.databaseUrl,
    REDIS_URL: env.redisUrl,
    HOOKRAIL_REDIS_PREFIX: env.redisPrefix,
    HOOKRAIL_ENCRYPTION_KEY: testEncryptionKey,
    HOOKRAIL_ALLOWED_NETWORKS: '127.0.0.0/8,::1/128',
    NODE_OPTIONS: '--import ./test/support/report-otel-modules.ts',
    ...extra,
  };
  const api = runProcess('apps/api/src/main.ts', {
    ...common,
    PORT: '0',
    HOOKRAIL_ADMIN_TOKEN: adminToken,
  });
  const worker = runProcess('apps/worker/src/main.ts', common);
  running.push(api, worker);
  // Generous: both start at once, on a machine that may be busy.
  const port = Number((await api.waitFor(/"port":(\d+)/, 60_000))[1]);
  await worker.waitFor(/worker ready/, 60_000);
  return { api, worker, url: `http://127.0.0.1:${port}` };
}

/** The JSON lines a process logged. */
function logLines(p: RunningProcess): Record<string, unknown>[] {
  return p
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Stops both on SIGTERM; each exits 0. Returns the @opentelemetry packages each loaded. */
async function stop(...processes: RunningProcess[]): Promise<string[][]> {
  for (const p of processes) p.child.kill('SIGTERM');
  expect(await Promise.all(processes.map((p) => p.exited))).toEqual(processes.map(() => 0));
  return processes.map((p) => {
    const match = /opentelemetry packages loaded: (\[.*\])/.exec(p.output());
    if (match?.[1] === undefined) throw new Error(`no module report in:\n${p.output()}`);
    return JSON.parse(match[1]) as string[];
  });
}

/** A tenant, an application with a uid of its choosing, and an endpoint with a credential header. */
async function setUp(url: string, path: string) {
  const admin = new HttpClient(url, adminToken);
  const { apiKey } = (await admin.post('/api/v1/admin/tenants', { name: 'T' })).json<{
    apiKey: string;
  }>();
  const client = new HttpClient(url, apiKey);
  const uid = `customer-uid-${path}`;
  expect((await client.post('/api/v1/app', { name: 'A', uid })).status).toBe(201);
  const endpoint = await client.post(`/api/v1/app/${uid}/endpoint`, {
    url: `${receiver.url}/${path}`,
    headers: { 'x-receiver-key': `header-value-${path}` },
  });
  expect(endpoint.status).toBe(201);
  const endpointId = endpoint.json<{ id: string }>().id;
  const { key } = (await client.get(`/api/v1/app/${uid}/endpoint/${endpointId}/secret`)).json<{
    key: string;
  }>();
  return { client, apiKey, uid, endpointId, signingSecret: key };
}

// Each test starts two processes and stops them again.
describe('traces', { timeout: 120_000 }, () => {
  it('follow a message from ingest to its delivery in one trace, with ids and no secret', async () => {
    const { api, worker, url } = await startHookrail({
      HOOKRAIL_RETRY_SCHEDULE: '0.2',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_HEADERS: `authorization=Bearer%20${collectorToken}`,
    });
    const t = await setUp(url, 'traced');
    // The first attempt fails, the retry succeeds: both join the message's trace.
    let calls = 0;
    receiver.answer(() => ({ status: calls++ === 0 ? 500 : 200 }));
    const callerTrace = '0af7651916cd43dd8448eb211c80319c';
    const sent = await t.client.post(
      `/api/v1/app/${t.uid}/msg`,
      { eventType: 'invoice.secret-name', payload: { card: 'payload-marker-4242' } },
      { traceparent: `00-${callerTrace}-b7ad6b7169203331-01` },
    );
    expect(sent.status).toBe(202);
    const messageId = sent.json<{ id: string }>().id;
    const requests = await receiver.waitForRequests(2, '/traced');
    for (const request of requests) {
      expect(request.headers.traceparent).toBeUndefined();
      expect(request.headers.tracestate).toBeUndefined();
    }

    const [apiModules, workerModules] = await stop(api, worker);
    for (const modules of [apiModules, workerModules]) {
      expect(modules).toContain('@opentelemetry/sdk-trace');
      expect(modules).toContain('@opentelemetry/exporter-trace-otlp-http');
    }

    // Exported as OTLP/HTTP JSON, with the collector's credential.
    expect(collector.requests.length).toBeGreaterThan(0);
    for (const r of collector.requests) {
      expect(r.path).toBe('/v1/traces');
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expect(r.headers.authorization).toBe(`Bearer ${collectorToken}`);
    }

    const ingest = collector.spans.find(
      (s) => s.name === 'POST /api/v1/app/:app_id/msg' && s.attributes['hookrail.message.id'],
    );
    expect(ingest).toMatchObject({
      kind: 2,
      parentSpanId: undefined,
      service: 'hookrail-api',
      statusCode: 0,
      attributes: {
        'http.request.method': 'POST',
        'http.route': '/api/v1/app/:app_id/msg',
        'http.response.status_code': 202,
        'hookrail.operation': 'v1.message.create',
        'hookrail.application.id': expect.stringMatching(/^app_/),
        'hookrail.message.id': messageId,
        'hookrail.deliveries': 1,
      },
    });
    if (ingest === undefined) throw new Error('no ingest span');
    // The caller's trace is linked, not adopted.
    expect(ingest.traceId).not.toBe(callerTrace);
    expect(ingest.links).toEqual([{ traceId: callerTrace, spanId: 'b7ad6b7169203331' }]);

    const inTrace = collector.spans.filter((s) => s.traceId === ingest.traceId);
    const child = (name: string, parent: ExportedSpan) => {
      const found = inTrace.find((s) => s.name === name && s.parentSpanId === parent.spanId);
      if (found === undefined) {
        throw new Error(`no ${name} under ${parent.name}: ${JSON.stringify(inTrace, null, 1)}`);
      }
      return found;
    };
    expect(child('INSERT messages deliveries', ingest)).toMatchObject({
      kind: 3,
      attributes: { 'db.system.name': 'postgresql', 'db.operation.name': 'INSERT' },
    });
    const send = child('send deliver', ingest);
    expect(send).toMatchObject({
      kind: 4,
      attributes: { 'messaging.destination.name': 'deliver', 'hookrail.message.id': messageId },
    });
    const attempts = inTrace
      .filter((s) => s.name === 'process deliver' && s.parentSpanId === send.spanId)
      .sort(
        (a, b) =>
          Number(a.attributes['hookrail.attempt.number']) -
          Number(b.attributes['hookrail.attempt.number']),
      );
    expect(attempts).toMatchObject([
      {
        kind: 5,
        service: 'hookrail-worker',
        statusCode: 2,
        attributes: {
          'hookrail.message.id': messageId,
          'hookrail.endpoint.id': t.endpointId,
          'hookrail.attempt.number': 1,
          'http.response.status_code': 500,
          'error.type': '500',
          'hookrail.attempt.outcome': 'http_error',
          'hookrail.delivery.next': 'retry_scheduled',
        },
      },
      {
        kind: 5,
        statusCode: 0,
        attributes: {
          'hookrail.endpoint.id': t.endpointId,
          'hookrail.attempt.number': 2,
          'http.response.status_code': 200,
          'hookrail.attempt.outcome': 'success',
          'hookrail.delivery.next': 'succeeded',
        },
      },
    ]);
    const [failed, succeeded] = attempts;
    if (failed === undefined || succeeded === undefined) throw new Error('two attempts expected');
    expect(child('POST', failed)).toMatchObject({
      kind: 3,
      statusCode: 2,
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 500 },
    });
    expect(child('POST', succeeded)).toMatchObject({
      kind: 3,
      statusCode: 0,
      attributes: { 'http.request.method': 'POST', 'http.response.status_code': 200 },
    });

    // The lines logged under a span carry its ids: the request's, and each attempt's.
    const requestLine = logLines(api).find(
      (line) =>
        line.msg === 'request' &&
        line.method === 'POST' &&
        line.path === `/api/v1/app/${t.uid}/msg`,
    );
    expect(requestLine).toMatchObject({ traceId: ingest.traceId, spanId: ingest.spanId });
    const attemptLines = logLines(worker)
      .filter((line) => line.msg === 'attempt' && line.messageId === messageId)
      .sort((a, b) => Number(a.attempt) - Number(b.attempt));
    expect(attemptLines.map(({ traceId, spanId }) => ({ traceId, spanId }))).toEqual(
      attempts.map(({ traceId, spanId }) => ({ traceId, spanId })),
    );

    // Nothing a tenant or subscriber chose or holds secret, in any span or resource.
    const exported = collector.requests.map((r) => r.body).join('\n');
    for (const secret of [
      t.apiKey,
      t.signingSecret,
      t.signingSecret.replace(/^whsec_/, ''),
      adminToken,
      collectorToken,
      'header-value-traced',
      'payload-marker-4242',
      'invoice.secret-name',
      t.uid,
      receiver.url,
    ]) {
      expect(exported).not.toContain(secret);
    }
  });

  it('are off without OTEL_EXPORTER_OTLP_ENDPOINT: nothing is exported and the SDK is not loaded', async () => {
    const exportsBefore = collector.requests.length;
    const { api, worker, url } = await startHookrail({});
    const t = await setUp(url, 'untraced');
    receiver.answer(() => ({ status: 200 }));
    const sent = await t.client.post(`/api/v1/app/${t.uid}/msg`, {
      eventType: 'a.b',
      payload: {},
    });
    expect(sent.status).toBe(202);
    await receiver.waitForRequests(1, '/untraced');
    const modules = await stop(api, worker);
    // prom-client loads the API package itself (it reads the active span for exemplars); the
    // SDK, the exporter and the rest are not loaded at all.
    for (const loaded of modules) {
      expect(loaded.filter((name) => name !== '@opentelemetry/api')).toEqual([]);
    }
    expect(collector.requests.length).toBe(exportsBefore);
    // The attempt was logged, with no trace to join.
    const lines = [...logLines(api), ...logLines(worker)];
    expect(lines.some((line) => line.msg === 'attempt')).toBe(true);
    expect(lines.filter((line) => 'traceId' in line || 'spanId' in line)).toEqual([]);
  });
});
