import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    // The fault-injection suite runs on its own: `npm run chaos`.
    exclude: ['test/chaos/**', '**/node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests wait on real services and real timers; these bound a stuck test.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
