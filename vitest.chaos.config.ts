import { defineConfig } from 'vitest/config';

// `npm run chaos`: the fault-injection suite, apart from `npm test` because of its length.
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30 * 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
