import { TestWorkflowEnvironment } from '@temporalio/testing';
import { stack } from './services.ts';

/** How many times the test server's start is tried before the failure stands. */
const START_ATTEMPTS = 4;

/**
 * Temporal's time-skipping test server (the Java one the test setup installed), started by
 * the SDK. The SDK's core gives the process a fixed 5 s to answer, which a JVM starting on
 * a loaded 2-core machine can miss ("ephemeral server … did not start within 5s"); only that
 * failure is tried again, each attempt a fresh process on a fresh port, and the JVM's
 * second start is faster (its jars are in the page cache by then).
 */
export async function startTimeSkippingServer(): Promise<TestWorkflowEnvironment> {
  const server = stack().temporalTestServerPath;
  if (server === undefined)
    throw new Error('the time-skipping test server was not provided (test/support/prerequisites.ts)');
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: server } },
      });
    } catch (error) {
      const slowStart = error instanceof Error && /did not start within/.test(error.message);
      if (!slowStart || attempt >= START_ATTEMPTS) throw error;
      console.warn(`time-skipping test server slow to start (attempt ${attempt} of ${START_ATTEMPTS}); trying again`);
    }
  }
}
