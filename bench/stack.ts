import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '../db/migrate.ts';
import { startEmbeddedPostgres } from '../stack/embedded-postgres.ts';
import { freePort } from '../stack/free-port.ts';
import { resolveTemporalCli } from '../stack/temporal-cli.ts';
import { startTemporalDevServer } from '../stack/temporal-dev-server.ts';
import { startSmtpSink, type SmtpSink } from './smtp-sink.ts';

/** The real services one bench run measures against, started and stopped by the bench. */
export interface BenchServices {
  databaseUrl: string;
  temporalAddress: string;
  /** The SMTP sink on loopback (`smtp://127.0.0.1:port`): accepts and counts, keeps nothing. */
  smtpUrl: string;
  smtp: Pick<SmtpSink, 'messages' | 'bytes'>;
  /** How the Temporal CLI was found, for the report. */
  temporalCli: string;
  /** Stops everything started, in reverse order; safe to call more than once. */
  stop: () => Promise<void>;
}

export const PROJECT_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Starts what the tests start (see test/support/global-setup.ts), through the same stack/
 * modules: embedded PostgreSQL in a temporary directory, migrated, and a Temporal dev
 * server (in memory, headless) from the CLI the project's resolver finds; and, instead of
 * the tests' capture server, an SMTP sink that keeps nothing (bench/smtp-sink.ts). If one
 * service fails to start, the others that did start are stopped before the error is rethrown.
 */
export async function startServices(log: (line: string) => void): Promise<BenchServices> {
  const root = await mkdtemp(path.join(tmpdir(), 'lle-bench-'));
  // PostgreSQL runs as the `postgres` user when the bench runs as root; it must reach its data.
  await chmod(root, 0o755);
  const stops: (() => Promise<void>)[] = [];
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      for (const s of stops.reverse()) await s().catch((error: unknown) => log(`stop: ${String(error)}`));
      await rm(root, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    const [pgPort, temporalPort, smtpPort] = [await freePort(), await freePort(), await freePort()];
    const cli = await resolveTemporalCli({ explicitPath: process.env.TEMPORAL_CLI_PATH, projectDir: PROJECT_DIR, log });
    // allSettled, not all: a service that did start must be stopped even if the other failed.
    const [database, temporal, smtp] = await Promise.allSettled([
      startEmbeddedPostgres({
        dataDir: path.join(root, 'postgres'),
        port: pgPort,
        password: randomBytes(12).toString('hex'),
        database: 'lle_bench',
      }),
      startTemporalDevServer({ cli, port: temporalPort, namespace: 'default', ui: false, log }),
      startSmtpSink(smtpPort),
    ]);
    if (database.status === 'fulfilled') stops.push(database.value.stop);
    if (temporal.status === 'fulfilled') stops.push(temporal.value.stop);
    if (smtp.status === 'fulfilled') stops.push(smtp.value.stop);
    if (database.status === 'rejected') throw database.reason;
    if (temporal.status === 'rejected') throw temporal.reason;
    if (smtp.status === 'rejected') throw smtp.reason;
    await migrate(database.value.url);
    return {
      databaseUrl: database.value.url,
      temporalAddress: temporal.value.address,
      smtpUrl: smtp.value.url,
      smtp: { messages: smtp.value.messages, bytes: smtp.value.bytes },
      temporalCli: cli.kind === 'binary' ? `${cli.path} (${cli.source})` : 'SDK download',
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
