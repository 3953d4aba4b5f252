import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Temporal native worker is known to crash under worker threads.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 240_000,
    // Integration files each run a Temporal worker: two at a time on a 2-core machine.
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default'],
  },
});
