import { describe, expect, it } from 'vitest';
import { runStreamLoad } from '../scripts/stream-load.ts';
import { useTestEnv } from './support/env.ts';

const env = useTestEnv();

// `npm run stream:load` runs the same with 1,000 clients and reports the figures.
describe('the status stream under many clients', () => {
  it('delivers every event of a steady flow to each of 50 clients, closing none', async () => {
    const report = await runStreamLoad({
      databaseUrl: env.databaseUrl,
      redisUrl: env.redisUrl,
      redisPrefix: env.redisPrefix,
      clients: 50,
      rate: 50,
      seconds: 2,
    });
    expect(report).toMatchObject({
      clients: 50,
      events: 100,
      received: 5000,
      missed: 0,
      closed: 0,
    });
  }, 60_000);
});
