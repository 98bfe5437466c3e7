import {
  cancelEndpointDeliveries,
  claimDeliveries,
  countTaskOutcomes,
  createDatabase,
  createTask,
  finishTask,
  recordResults,
  requeueBatch,
  releaseExpiredLeases,
  type ClaimedDelivery,
  type Database,
  type DeliveryResult,
} from '@hookrail/db';
import type { Decision } from '@hookrail/delivery';
import { newId, type Id } from '@hookrail/ids';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';
import type { HttpClient } from './support/http.ts';

// The guard against two workers sending one delivery: a compare-and-set on the delivery row,
// whatever Redis hands out. No worker runs here; the test plays the workers.
const env = useTestEnv();
const api = useTestApi(env);
let database: Database;

beforeAll(() => {
  database = createDatabase({ url: env.databaseUrl, max: 6 });
});
afterAll(async () => {
  await database.close();
});

/** The API client of each delivery's tenant. */
const clients = new Map<Id<'delivery'>, HttpClient>();

async function newDelivery(): Promise<Id<'delivery'>> {
  const { client } = await api.newTenant();
  const app = (await client.post('/api/v1/app', { name: 'Claims' })).json<{ id: string }>();
  await client.post(`/api/v1/app/${app.id}/endpoint`, { url: 'https://example.com/hook' });
  const msg = await client.post(`/api/v1/app/${app.id}/msg`, { eventType: 'a.b', payload: {} });
  const { rows } = await env.sql.query<{ id: Id<'delivery'> }>(
    'select id from deliveries where message_id = $1',
    [msg.json<{ id: string }>().id],
  );
  const [row] = rows;
  if (row === undefined) throw new Error('no delivery');
  clients.set(row.id, client);
  return row.id;
}

function succeeded(delivery: ClaimedDelivery): DeliveryResult {
  return {
    delivery,
    attempt: {
      id: newId('attempt'),
      trigger: 'scheduled',
      outcome: 'succeeded',
      sent: true,
      startedAt: new Date(),
      durationMs: 5,
      requestHeaders: {},
      statusCode: 200,
      response: 'ok',
      error: null,
    },
    decision: decided({ status: 'succeeded' }, 'succeeded'),
  };
}

/** A decision that changes nothing but the delivery's state. */
function decided(next: Decision['next'], result: 'succeeded' | 'failed'): Decision {
  const health = {
    consecutiveFailures: 0,
    failingSince: null,
    breaker: 'closed',
    disabled: false,
  } as const;
  return { result, next, health, healthChanged: false, disable: null, events: [] };
}

/** What one worker's claim of attempt `attempt` of a delivery hands out. */
const claim = async (id: Id<'delivery'>, attempt: number) =>
  (await claimDeliveries(database.db, [{ deliveryId: id, attempt }], 60_000)).claimed;

const state = async (id: Id<'delivery'>) =>
  (
    await env.sql.query<{ status: string; attempt_count: number; claim_token: string | null }>(
      'select status, attempt_count, claim_token from deliveries where id = $1',
      [id],
    )
  ).rows[0];

describe('claiming a delivery', () => {
  it('lets exactly one of several simultaneous claims win; a duplicate job later gets nothing', async () => {
    const id = await newDelivery();
    const claims = await Promise.all(Array.from({ length: 6 }, () => claim(id, 1)));
    expect(claims.filter((c) => c.length === 1)).toHaveLength(1);
    expect(claims.filter((c) => c.length === 0)).toHaveLength(5);
    expect(await claim(id, 1)).toEqual([]);
    // A stale job for an attempt already made, or one not yet due, gets nothing either.
    expect(await claim(id, 2)).toEqual([]);
    expect(await state(id)).toMatchObject({ status: 'sending', attempt_count: 1 });
  });

  it("commits without waiting for the disk in its own transaction only: the connection's next statements wait as before", async () => {
    const id = await newDelivery();
    const { rows: server } = await env.sql.query<{ synchronous_commit: string }>(
      'show synchronous_commit',
    );
    // One connection, so that the statement after the claim runs where the claim ran.
    const single = createDatabase({ url: env.databaseUrl, max: 1 });
    try {
      const { claimed } = await claimDeliveries(
        single.db,
        [{ deliveryId: id, attempt: 1 }],
        60_000,
      );
      expect(claimed.map((delivery) => delivery.id)).toEqual([id]);
      // Committed: another connection sees the claim at once.
      expect(await state(id)).toMatchObject({ status: 'sending', attempt_count: 1 });
      const { rows: after } = await single.pool.query<{ synchronous_commit: string }>(
        'show synchronous_commit',
      );
      expect(after[0]?.synchronous_commit).toBe(server[0]?.synchronous_commit);
      expect(after[0]?.synchronous_commit).not.toBe('off');
    } finally {
      await single.close();
    }
  });

  it('after the claim expires another worker takes over, and the late result of the first cannot overwrite it', async () => {
    const id = await newDelivery();
    const [first] = await claim(id, 1);
    if (first === undefined) throw new Error('not claimed');
    // The first worker goes quiet past its lease; the reconciler gives the attempt back.
    await env.sql.query(
      `update deliveries set lease_until = now() - interval '1 second' where id = $1`,
      [id],
    );
    expect(await releaseExpiredLeases(database.db, 100)).toContainEqual(
      expect.objectContaining({ deliveryId: id, attempt: 1 }),
    );
    const [second] = await claim(id, 1);
    if (second === undefined) throw new Error('not taken over');
    expect(second.claimToken).not.toBe(first.claimToken);

    // The first worker's result arrives late: its attempt is recorded, the delivery untouched,
    // and nothing follows from it (no next attempt to queue).
    const answered = succeeded(first);
    const late: DeliveryResult = {
      ...answered,
      attempt: answered.attempt && { ...answered.attempt, outcome: 'failed', statusCode: 500 },
      decision: decided({ status: 'pending', nextAttemptAt: Date.now() }, 'failed'),
    };
    const lateRecord = await recordResults(database.db, [late]);
    expect(lateRecord.applied.has(id)).toBe(false);
    expect(await state(id)).toEqual({
      status: 'sending',
      attempt_count: 1,
      claim_token: second.claimToken,
    });

    // Recording the current claim's result twice (as after a commit whose answer was lost)
    // changes the delivery once and records the attempt once.
    const current = succeeded(second);
    const recorded = await recordResults(database.db, [current]);
    expect(recorded.applied.has(id)).toBe(true);
    const again = await recordResults(database.db, [current]);
    expect(again.applied.has(id)).toBe(false);
    expect(await state(id)).toEqual({ status: 'succeeded', attempt_count: 1, claim_token: null });
    const { rows } = await env.sql.query<{ attempt_number: number }>(
      'select attempt_number from attempts where delivery_id = $1',
      [id],
    );
    // Both requests are in the log, under the one attempt number they shared.
    expect(rows).toEqual([{ attempt_number: 1 }, { attempt_number: 1 }]);
  });

  it('cancels, and does not hand out, a delivery whose application was deleted, in the same statement that claims the others', async () => {
    const doomed = await newDelivery();
    const live = await newDelivery();
    await env.sql.query(
      'update applications set deleted_at = now() where id = (select app_id from deliveries where id = $1)',
      [doomed],
    );
    const { claimed, canceled } = await claimDeliveries(
      database.db,
      [
        { deliveryId: doomed, attempt: 1 },
        { deliveryId: live, attempt: 1 },
      ],
      60_000,
    );
    expect(claimed.map((c) => c.id)).toEqual([live]);
    // What its delivery.canceled names.
    const { rows } = await env.sql.query(
      `select d.tenant_id as "tenantId", d.app_id as "appId", d.message_id as "messageId",
              d.endpoint_id as "endpointId", m.event_type as "eventType"
         from deliveries d join messages m on m.id = d.message_id where d.id = $1`,
      [doomed],
    );
    expect(canceled).toEqual([{ id: doomed, ...rows[0] }]);
    expect(await state(doomed)).toEqual({
      status: 'canceled',
      attempt_count: 0,
      claim_token: null,
    });
    // A stale job finds it canceled: nothing is handed out, nor reported canceled again.
    expect(
      await claimDeliveries(database.db, [{ deliveryId: doomed, attempt: 1 }], 60_000),
    ).toEqual({ claimed: [], canceled: [], tasks: [] });
  });

  it('cancels the deliveries of a deleted tenant without reporting them: nobody is left to watch', async () => {
    const doomed = await newDelivery();
    await env.sql.query(
      'update tenants set deleted_at = now() where id = (select tenant_id from deliveries where id = $1)',
      [doomed],
    );
    expect(
      await claimDeliveries(database.db, [{ deliveryId: doomed, attempt: 1 }], 60_000),
    ).toEqual({ claimed: [], canceled: [], tasks: [] });
    expect(await state(doomed)).toMatchObject({ status: 'canceled' });
  });

  it('records a batch whose only change is its rows, and one in which an endpoint fails, alike', async () => {
    const healthy = await newDelivery();
    const failing = await newDelivery();
    const gone = await newDelivery();
    const { claimed } = await claimDeliveries(
      database.db,
      [healthy, failing, gone].map((deliveryId) => ({ deliveryId, attempt: 1 })),
      60_000,
    );
    const byId = new Map(claimed.map((c) => [c.id, c]));
    const claim = (id: Id<'delivery'>) => {
      const delivery = byId.get(id);
      if (delivery === undefined) throw new Error('not claimed');
      return delivery;
    };
    // Alone, a success writes its attempt and its delivery (one statement, no transaction).
    expect((await recordResults(database.db, [succeeded(claim(healthy))])).applied).toEqual(
      new Set([healthy]),
    );
    // A failure that changes its endpoint's health, beside a canceled attempt (no record).
    const answered = succeeded(claim(failing));
    const failed: DeliveryResult = {
      ...answered,
      attempt: answered.attempt && { ...answered.attempt, outcome: 'failed', statusCode: 500 },
      decision: {
        ...decided({ status: 'pending', nextAttemptAt: Date.now() + 5000 }, 'failed'),
        health: {
          consecutiveFailures: 1,
          failingSince: Date.now(),
          breaker: 'closed',
          disabled: false,
        },
        healthChanged: true,
      },
    };
    const canceled: DeliveryResult = {
      delivery: claim(gone),
      decision: { ...decided({ status: 'canceled' }, 'failed'), result: null },
    };
    const recorded = await recordResults(database.db, [failed, canceled]);
    expect(recorded.applied).toEqual(new Set([failing, gone]));
    expect(await state(healthy)).toEqual({
      status: 'succeeded',
      attempt_count: 1,
      claim_token: null,
    });
    expect(await state(failing)).toEqual({
      status: 'pending',
      attempt_count: 1,
      claim_token: null,
    });
    expect(await state(gone)).toEqual({ status: 'canceled', attempt_count: 1, claim_token: null });
    const { rows } = await env.sql.query<{ delivery_id: string; status_code: number }>(
      'select delivery_id, status_code from attempts where delivery_id = any($1) order by status_code',
      [[healthy, failing, gone]],
    );
    expect(rows).toEqual([
      { delivery_id: healthy, status_code: 200 },
      { delivery_id: failing, status_code: 500 },
    ]);
    const endpoint = await env.sql.query<{ id: string; consecutive_failures: number }>(
      `select e.id, e.consecutive_failures from endpoints e
         join deliveries d on d.endpoint_id = e.id
        where d.id = any($1) order by e.consecutive_failures`,
      [[healthy, failing]],
    );
    expect(endpoint.rows.map((row) => row.consecutive_failures)).toEqual([0, 1]);
  });

  describe('a delivery a retry task re-queued', () => {
    /** Marks `id` as re-queued by a new running task over its application; returns the task. */
    async function owedToTask(id: Id<'delivery'>) {
      const { rows } = await env.sql.query<{
        tenant_id: Id<'tenant'>;
        app_id: Id<'application'>;
        endpoint_id: Id<'endpoint'>;
      }>('select tenant_id, app_id, endpoint_id from deliveries where id = $1', [id]);
      const row = rows[0];
      if (row === undefined) throw new Error('no delivery');
      const task = await createTask(
        database.db,
        'bulk-retry',
        { tenantId: row.tenant_id, appId: row.app_id, since: new Date(Date.now() - 60_000) },
        1,
      );
      await env.sql.query('update tasks set queued = 1 where id = $1', [task.id]);
      await env.sql.query('update deliveries set manual = true, retry_task_id = $2 where id = $1', [
        id,
        task.id,
      ]);
      return { ...row, taskId: task.id };
    }

    const counts = async (taskId: string) =>
      (
        await env.sql.query<{ queued: number; delivered: number; failed_again: number }>(
          'select queued, delivered, failed_again from tasks where id = $1',
          [taskId],
        )
      ).rows[0];
    it('counts as failed again, once, when the claim cancels it for a deleted application', async () => {
      const id = await newDelivery();
      const { app_id, taskId } = await owedToTask(id);
      await env.sql.query('update applications set deleted_at = now() where id = $1', [app_id]);
      // The task is returned as the claim left it, for its watchers.
      expect(
        await claimDeliveries(database.db, [{ deliveryId: id, attempt: 1 }], 60_000),
      ).toMatchObject({
        claimed: [],
        canceled: [{ id }],
        tasks: [{ id: taskId, queued: 1, delivered: 0, failedAgain: 1 }],
      });
      expect(await state(id)).toMatchObject({ status: 'canceled' });
      expect(await counts(taskId)).toEqual({ queued: 1, delivered: 0, failed_again: 1 });
      // A stale job claiming again changes nothing more, and returns no task.
      expect(await claimDeliveries(database.db, [{ deliveryId: id, attempt: 1 }], 60_000)).toEqual({
        claimed: [],
        canceled: [],
        tasks: [],
      });
      expect(await counts(taskId)).toEqual({ queued: 1, delivered: 0, failed_again: 1 });
    });

    it('counts as failed again, once, when deleting its endpoint cancels it', async () => {
      const id = await newDelivery();
      const { endpoint_id, taskId } = await owedToTask(id);
      const { canceled, tasks } = await cancelEndpointDeliveries(database.db, endpoint_id);
      expect(canceled.map((d) => d.id)).toEqual([id]);
      expect(canceled[0]).toMatchObject({ endpointId: endpoint_id, eventType: 'a.b' });
      expect(tasks).toMatchObject([{ id: taskId, failedAgain: 1 }]);
      expect(await state(id)).toMatchObject({ status: 'canceled' });
      expect(await counts(taskId)).toEqual({ queued: 1, delivered: 0, failed_again: 1 });
      expect(await cancelEndpointDeliveries(database.db, endpoint_id)).toEqual({
        canceled: [],
        tasks: [],
      });
      expect(await counts(taskId)).toEqual({ queued: 1, delivered: 0, failed_again: 1 });
    });

    it("never counts on another tenant's task", async () => {
      const id = await newDelivery();
      const { taskId } = await owedToTask(id);
      const other = await newDelivery();
      const { tenant_id: otherTenant } = await owedToTask(other);
      expect(
        await countTaskOutcomes(database.db, [
          { tenantId: otherTenant, taskId, delivered: 1, failedAgain: 1 },
        ]),
      ).toEqual([]);
      expect(await counts(taskId)).toEqual({ queued: 1, delivered: 0, failed_again: 0 });
    });

    const taskStatus = async (taskId: string) =>
      (await env.sql.query<{ status: string }>('select status from tasks where id = $1', [taskId]))
        .rows[0]?.status;

    it("is not re-queued, counted or ended through another tenant's id", async () => {
      const id = await newDelivery();
      const { tenant_id, taskId } = await owedToTask(id);
      const { tenant_id: otherTenant } = await owedToTask(await newDelivery());
      // Failed for good, in the task's scope: what its next batch would re-queue.
      await env.sql.query(
        "update deliveries set status = 'failed', retry_task_id = null where id = $1",
        [id],
      );
      expect(await requeueBatch(database.db, otherTenant, taskId, null, 10)).toEqual({
        stopped: true,
        task: undefined,
      });
      expect(await finishTask(database.db, otherTenant, taskId)).toBeUndefined();
      expect(await state(id)).toMatchObject({ status: 'failed' });
      expect(await counts(taskId)).toEqual({ queued: 1, delivered: 0, failed_again: 0 });
      expect(await taskStatus(taskId)).toBe('running');
      // Its own tenant's id does both.
      const batch = await requeueBatch(database.db, tenant_id, taskId, null, 10);
      expect(batch).toMatchObject({ stopped: false, deliveries: [{ id, attempt: 1 }] });
      expect(await counts(taskId)).toEqual({ queued: 2, delivered: 0, failed_again: 0 });
      expect(await finishTask(database.db, tenant_id, taskId)).toMatchObject({
        id: taskId,
        status: 'finished',
      });
    });

    it('is no longer re-queued once its application is deleted: the running task is canceled', async () => {
      const id = await newDelivery();
      const { app_id, taskId } = await owedToTask(id);
      const other = await newDelivery();
      const { taskId: otherTask } = await owedToTask(other);
      const client = clients.get(id);
      if (client === undefined) throw new Error('no client');
      expect((await client.delete(`/api/v1/app/${app_id}`)).status).toBe(204);
      expect(await taskStatus(taskId)).toBe('canceled');
      expect(await taskStatus(otherTask)).toBe('running');
    });

    it("is no longer re-queued once its tenant is deleted: the tenant's running tasks are canceled", async () => {
      const id = await newDelivery();
      const { tenant_id, taskId } = await owedToTask(id);
      const other = await newDelivery();
      const { taskId: otherTask } = await owedToTask(other);
      expect((await api.admin.delete(`/api/v1/admin/tenants/${tenant_id}`)).status).toBe(204);
      expect(await taskStatus(taskId)).toBe('canceled');
      expect(await taskStatus(otherTask)).toBe('running');
    });
  });
});
