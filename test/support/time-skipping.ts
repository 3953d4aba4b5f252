import { spawn } from 'node:child_process';
import net from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { createActivities } from '../../activities/index.ts';
import { freePort } from '../../stack/free-port.ts';
import { buildApp } from '../../api/app.ts';
import { createMailer } from '../../mail/transport.ts';
import { createTestDatabase, stack, testActivityDependencies, testAppConfig, uniqueTaskQueue } from './services.ts';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

/** How long the JVM may take to listen: a cold start at load 20 on two cores takes tens of seconds. */
const LISTEN_LIMIT_MS = 180_000;

/** The SDK's own environment factory, which `createTimeSkipping` wraps; private in its types. */
type EnvironmentFactory = {
  create(opts: {
    server: { type: 'existing' };
    address: string;
    namespace: string;
    supportsTimeSkipping: true;
  }): Promise<TestWorkflowEnvironment>;
};

/** A time-skipping environment on a test server this process started, and how to stop both. */
export interface TimeSkippingServer {
  env: TestWorkflowEnvironment;
  stop: () => Promise<void>;
}

async function accepts(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Temporal's time-skipping test server (the Java one the test setup installed). We start the
 * JVM ourselves and wait for its port as long as the machine needs, then hand the SDK an
 * address that already answers: `createTimeSkipping` starts it through the SDK's core, which
 * gives the process a fixed 5 s ("ephemeral server … did not start within 5s"), and a JVM on
 * a loaded 2-core machine missed that on four tries in a row. The environment is the one
 * `createTimeSkipping` builds (the SDK's `create` with time skipping on an existing server);
 * `stop` closes its connections and the JVM.
 */
export async function startTimeSkippingServer(): Promise<TimeSkippingServer> {
  const wrapper = stack().temporalTestServerPath;
  if (wrapper === undefined)
    throw new Error('the time-skipping test server was not provided (test/support/prerequisites.ts)');
  const port = await freePort();
  const jvm = spawn(wrapper, [String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  jvm.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => jvm.once('exit', () => resolve()));
  const kill = async () => {
    if (jvm.exitCode === null && jvm.signalCode === null) jvm.kill('SIGKILL');
    await exited;
  };
  try {
    const deadline = Date.now() + LISTEN_LIMIT_MS;
    while (!(await accepts(port))) {
      if (jvm.exitCode !== null || jvm.signalCode !== null)
        throw new Error(`the time-skipping test server ended before it listened on ${port}: ${stderr}`);
      if (Date.now() > deadline)
        throw new Error(`the time-skipping test server did not listen on ${port} within ${LISTEN_LIMIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const env = await (TestWorkflowEnvironment as unknown as EnvironmentFactory).create({
      server: { type: 'existing' },
      address: `127.0.0.1:${port}`,
      namespace: 'default',
      supportsTimeSkipping: true,
    });
    if (!env.supportsTimeSkipping) throw new Error('the SDK built an environment without time skipping');
    return {
      env,
      stop: async () => {
        await env.teardown();
        await kill();
      },
    };
  } catch (error) {
    await kill();
    throw error;
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
  const server = await startTimeSkippingServer();
  const { env } = server;
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
      await server.stop();
      await db.drop();
    },
  };
}
