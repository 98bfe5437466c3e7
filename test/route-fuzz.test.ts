import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { testAdminToken, useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import {
  asText,
  fillPath,
  operationsOf,
  requestsFor,
  type FuzzRequest,
  type Operation,
} from './support/fuzz-requests.ts';
import {
  encodeSegment,
  hostileSegments,
  hostileStrings,
  hostileValues,
  rawBodies,
  valueOf,
  type JsonSchema,
  type SchemaContext,
} from './support/fuzz-values.ts';
import { installWriteAudit, type WriteAudit } from './support/write-audit.ts';

// Every route of the served OpenAPI document, with generated and hostile input. The API runs
// without a worker and every URL generated points at loopback: nothing created is ever sent.
// `npm test` runs a small, fixed-seed sample; `npm run fuzz` a larger one (FUZZ_RUNS per
// operation, FUZZ_SEED to replay a failure).
const runsPerOperation = Number(process.env.FUZZ_RUNS ?? 5);
const seed = Number(process.env.FUZZ_SEED ?? 20261130);
// `npm test` sends every third corpus value to each place (a different third per operation,
// so every value still reaches every kind of place); `npm run fuzz` sends all of them.
const corpusStride = Number(process.env.FUZZ_CORPUS_STRIDE ?? 3);
const inTurn = (opIndex: number, i: number) => (i + opIndex) % corpusStride === 0;

const env = useTestEnv();
const api = useTestApi(env);

let operations: Operation[];
let ctx: SchemaContext;
let audit: WriteAudit;
let apiKey: string;
const pools: Record<string, string[]> = {};

beforeAll(async () => {
  audit = await installWriteAudit(env.sql);
  const document = (await api.anonymous.get('/api/v1/openapi.json')).json();
  operations = operationsOf(document);
  const components = (document.components as { schemas: Record<string, JsonSchema> }).schemas;
  ctx = { components, hostility: 0.08 };

  const tenant = await api.newTenant('Fuzzed');
  apiKey = tenant.apiKey;
  const t = tenant.client;
  const victim = await api.newTenant('Victim');
  const victimKey = await api.admin.post(`/api/v1/admin/tenants/${victim.id}/api-keys`, {});
  const app = (await t.post('/api/v1/app', { name: 'A', uid: 'fz-app' })).json<{ id: string }>();
  await t.post('/api/v1/event-type', { name: 'fz.type', description: 'x' });
  const endpoint = await t.post(`/api/v1/app/${app.id}/endpoint`, {
    url: 'http://127.0.0.1:9/hook',
    uid: 'fz-ep',
  });
  const message = await t.post(`/api/v1/app/${app.id}/msg`, {
    eventType: 'fz.type',
    eventId: 'fz-msg',
    payload: { n: 1 },
  });
  const task = await t.post('/api/v1/bulk-retry', { since: '2020-01-01T00:00:00Z' });
  const operational = await t.post('/api/v1/operational-webhook/endpoint', {
    url: 'http://127.0.0.1:9/ops',
  });
  Object.assign(pools, {
    app_id: [app.id, 'fz-app', 'fz-other'],
    endpoint_id: [endpoint.json<{ id: string }>().id, 'fz-ep', operational.json().id as string],
    msg_id: [message.json<{ id: string }>().id, 'fz-msg'],
    attempt_id: ['atmpt_01m813tr4ax7y9sgh8am8md7ha'],
    event_type_name: ['fz.type', 'fz.other'],
    task_id: [task.json<{ id: string }>().id],
    tenant_id: [victim.id],
    key_id: [victimKey.json<{ id: string }>().id],
  });
  await audit.next(); // the setup's own writes
});

/** Sends one request and checks what the platform promises of every answer. */
async function check(req: FuzzRequest): Promise<void> {
  const token =
    req.credential === 'admin'
      ? testAdminToken
      : req.credential === 'tenant'
        ? apiKey
        : req.credential === 'wrong'
          ? 'hrk_wrong'
          : undefined;
  const res = await fetch(api.url + req.path, {
    method: req.method,
    headers: { ...req.headers, ...(token !== undefined && { authorization: `Bearer ${token}` }) },
    ...(req.body !== undefined && { body: req.body }),
  });
  const text = await res.text();
  const writes = await audit.next();
  const what = `${req.method} ${req.path.slice(0, 200)} ${req.body?.slice(0, 300) ?? ''} -> ${res.status} ${text.slice(0, 300)}`;
  expect(res.status, what).toBeLessThan(500);
  if (res.status < 400) return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  expect(parsed, what).toMatchObject({ code: expect.any(String), detail: expect.anything() });
  expect(writes, what).toEqual([]);
}

describe('every route, fuzzed', () => {
  it(
    'answers generated requests without a 500; refusals carry a code and write nothing',
    { timeout: 600_000 },
    async () => {
      for (const op of operations) {
        await fc.assert(fc.asyncProperty(requestsFor(op, ctx, pools, rawBodies), check), {
          seed,
          numRuns: runsPerOperation,
          endOnFailure: true,
        });
      }
    },
  );

  it(
    'refuses the hand-written corpus of hostile input in every place, never with a 500',
    { timeout: 120_000 },
    async () => {
      const wellFormed = { ...ctx, hostility: 0 };
      for (const [opIndex, op] of operations.entries()) {
        const base =
          op.body === undefined
            ? undefined
            : fc.sample(valueOf(op.body, wellFormed), { seed, numRuns: 1 })[0];
        const fields = base !== null && typeof base === 'object' ? Object.keys(base) : [];
        const segments = Object.fromEntries(
          op.pathParams.map((name) => [name, encodeSegment(pools[name]?.[0] ?? 'x')]),
        );
        const path = fillPath(op.path, segments);
        const send = (req: Partial<FuzzRequest>) =>
          check({
            method: op.method,
            path,
            body: undefined,
            headers: {},
            credential: op.credential,
            ...req,
          });

        // Each hostile value in a body field (each field in turn), and raw bodies (in turn:
        // the JSON parser in front of every route reads them alike).
        if (op.body !== undefined) {
          for (const [i, value] of hostileValues.entries()) {
            if (!inTurn(opIndex, i)) continue;
            const field = fields[i % Math.max(fields.length, 1)] ?? 'extra';
            await send({ body: JSON.stringify({ ...(base as object), [field]: value }) });
          }
          for (let i = 0; i < 3; i++)
            await send({ body: rawBodies[(opIndex * 3 + i) % rawBodies.length] });
        }
        // Each hostile segment in a path parameter (each parameter in turn).
        for (const [i, raw] of hostileSegments.entries()) {
          if (!inTurn(opIndex, i)) continue;
          const name = op.pathParams[i % Math.max(op.pathParams.length, 1)];
          if (name === undefined) break;
          await send({ path: fillPath(op.path, { ...segments, [name]: raw }) });
        }
        // Each hostile string in a query parameter (each parameter in turn).
        for (const [i, text] of hostileStrings.entries()) {
          if (!inTurn(opIndex, i)) continue;
          const param = op.query[i % Math.max(op.query.length, 1)];
          if (param === undefined) break;
          await send({ path: `${path}?${param.name}=${encodeSegment(asText(text))}` });
        }
      }
    },
  );
});
