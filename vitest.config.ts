import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Temporal native worker is known to crash under worker threads.
    pool: 'forks',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Waits are event-driven (test/support/services.ts waitFor, at least 120 s): a test's
    // limit only has to outlast them on a loaded machine.
    testTimeout: 300_000,
    hookTimeout: 240_000,
    // Integration files each run a Temporal worker: two at a time on a 2-core machine.
    maxWorkers: 2,
    fileParallelism: true,
    reporters: ['default'],
  },
});
