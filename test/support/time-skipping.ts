import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { createActivities } from '../../activities/index.ts';
import { buildApp } from '../../api/app.ts';
import { createMailer } from '../../mail/transport.ts';
import { createTestDatabase, stack, testActivityDependencies, testAppConfig, uniqueTaskQueue } from './services.ts';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

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

/** Activities by name, as a worker registers them. */
export type ActivityMap = Record<string, (input: unknown) => Promise<unknown>>;

/** The real worker and API on the time-skipping server, with a test database of their own. */
export interface SimulatedStack {
  env: TestWorkflowEnvironment;
  app: FastifyInstance;
  db: TestDatabase;
  taskQueue: string;
  /** Lets the test server's clock run (skipping from timer to timer) up to `atMs`. */
  runUntil: (atMs: number) => Promise<void>;
  /** Stops the API, the worker, the mailer and the server, and drops the database. */
  stop: () => Promise<void>;
}

/**
 * Starts the time-skipping server, a worker with the real workflow bundle and activities
 * (`wrap` may wrap them, e.g. to record when each was scheduled) and the API on it.
 */
export async function startSimulatedStack(
  wrap: (activities: ActivityMap) => ActivityMap = (a) => a,
): Promise<SimulatedStack> {
  const env = await startTimeSkippingServer();
  const db = await createTestDatabase();
  const taskQueue = uniqueTaskQueue();
  const mailer = createMailer(stack().smtpUrl);
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowBundle: { code: stack().workflowBundleCode },
    activities: wrap(createActivities(testActivityDependencies(db.pool, mailer)) as ActivityMap),
  });
  const running = worker.run();
  const app = await buildApp({
    config: testAppConfig({ temporalTaskQueue: taskQueue }),
    db: db.pool,
    temporal: { client: env.client, connection: env.connection },
  });
  return {
    env,
    app,
    db,
    taskQueue,
    runUntil: async (atMs) => {
      const now = await env.currentTimeMs();
      if (atMs > now) await env.sleep(atMs - now);
    },
    stop: async () => {
      await app.close();
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      mailer.close();
      await env.teardown();
      await db.drop();
    },
  };
}
