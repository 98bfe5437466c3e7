import { describe, expect, it } from 'vitest';
import { useTestApi } from './support/api.ts';
import { useTestEnv } from './support/env.ts';

const env = useTestEnv();
const api = useTestApi(env);

describe('messages sent at the same time', () => {
  it('are each committed with their deliveries, and a repeated eventId among them is accepted once', async () => {
    const { client } = await api.newTenant();
    const apps = ['a', 'b'];
    await client.post('/api/v1/event-type', { name: 'only.two', description: 'filtered' });
    for (const uid of apps) {
      await client.post('/api/v1/app', { name: uid, uid });
      await client.post(`/api/v1/app/${uid}/endpoint`, { url: 'https://example.com/one' });
      const filtered = await client.post(`/api/v1/app/${uid}/endpoint`, {
        url: 'https://example.com/two',
        filterTypes: ['only.two'],
      });
      expect(filtered.status).toBe(201);
    }
    // Enough at once that they share statements; every fifth one repeats an eventId.
    const sends = Array.from({ length: 60 }, (_, i) => {
      const app = apps[i % 2] ?? 'a';
      const eventType = i % 3 === 0 ? 'only.two' : 'other';
      const eventId = i % 5 === 0 ? `repeated-${app}` : `event-${i}`;
      return client
        .post(`/api/v1/app/${app}/msg`, { eventType, eventId, payload: { i } })
        .then((res) => ({
          i,
          app,
          eventType,
          status: res.status,
          body: res.json<{ id?: string }>(),
        }));
    });
    const answers = await Promise.all(sends);

    const repeated = answers.filter((a) => a.i % 5 === 0);
    for (const app of apps) {
      const statuses = repeated.filter((a) => a.app === app).map((a) => a.status);
      expect(statuses.filter((s) => s === 202)).toHaveLength(1);
      expect(statuses.filter((s) => s !== 202).every((s) => s === 409)).toBe(true);
    }
    const accepted = answers.filter((a) => a.status === 202);
    expect(accepted).toHaveLength(60 - repeated.length + 2);
    const { rows } = await env.sql.query<{ id: string; payload: string; deliveries: number }>(
      `select m.id, m.payload, (select count(*)::int from deliveries d where d.message_id = m.id)
         as deliveries
       from messages m`,
    );
    const stored = new Map(rows.map((row) => [row.id, row]));
    expect(stored.size).toBe(accepted.length);
    for (const answer of accepted) {
      const row = stored.get(answer.body.id ?? '');
      expect(row && JSON.parse(row.payload)).toEqual({ i: answer.i });
      // 'only.two' reaches both endpoints; anything else the unfiltered one.
      expect({ i: answer.i, n: row?.deliveries }).toEqual({
        i: answer.i,
        n: answer.eventType === 'only.two' ? 2 : 1,
      });
    }
  });
});
