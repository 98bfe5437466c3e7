import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Integration tests wait on real services and real timers; these bound a stuck test.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
