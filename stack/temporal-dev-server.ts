import { spawn, type ChildProcess } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { TemporalCli } from './temporal-cli.ts';

/** A running Temporal dev server. */
export interface TemporalDevServer {
  address: string;
  uiUrl: string | undefined;
  pid: number | undefined;
  stop: () => Promise<void>;
}

/** How to run the dev server. */
export interface DevServerOptions {
  cli: TemporalCli;
  port: number;
  /** SQLite file that keeps workflows and timers across restarts; in memory when absent. */
  dbFile?: string | undefined;
  namespace: string;
  ui: boolean;
  log: (line: string) => void;
  /** Server dynamic config (`--dynamic-config-value KEY=VALUE`), values as JSON. */
  dynamicConfig?: Record<string, string | number | boolean>;
}

/**
 * Starts `temporal server start-dev` and waits until the namespace answers. The CLI puts
 * its UI on the gRPC port + 1000 unless that is taken.
 */
export async function startTemporalDevServer(options: DevServerOptions): Promise<TemporalDevServer> {
  const address = `127.0.0.1:${options.port}`;
  if (options.cli.kind === 'sdk-download') {
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip: '127.0.0.1',
        port: options.port,
        namespace: options.namespace,
        ui: options.ui,
        ...(options.dbFile === undefined ? {} : { dbFilename: options.dbFile }),
      },
    });
    return {
      address,
      uiUrl: options.ui ? `http://127.0.0.1:${options.port + 1000}` : undefined,
      pid: undefined,
      stop: () => env.teardown(),
    };
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--namespace',
    options.namespace,
    '--log-level',
    'warn',
  ];
  if (options.dbFile !== undefined) args.push('--db-filename', options.dbFile);
  if (!options.ui) args.push('--headless');
  for (const [key, value] of Object.entries(options.dynamicConfig ?? {}))
    args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  const child = spawn(options.cli.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  await readyOrKilled(
    child,
    waitForNamespace(address, options.namespace, 120_000),
    (how) => `the Temporal dev server exited (${how}) before it was ready:\n${output}`,
  );
  // Past start-up its output is noise for the supervisor; keep only errors.
  child.stdout?.removeListener('data', collect);
  child.stderr?.removeListener('data', collect);
  let stopping = false;
  child.stderr?.on('data', (chunk: Buffer) => {
    // Shutting down, the server reports its own closing task queues as errors: noise.
    if (stopping) return;
    for (const line of chunk.toString().split('\n')) if (/level=(ERROR|FATAL)|panic/.test(line)) options.log(line);
  });
  child.stdout?.resume();
  return {
    address,
    uiUrl: options.ui ? `http://127.0.0.1:${options.port + 1000}` : undefined,
    pid: child.pid,
    stop: () => {
      stopping = true;
      return stopChild(child, 15_000);
    },
  };
}

/** Polls until the frontend answers for `namespace`, or throws after `timeoutMs`. */
export function waitForNamespace(address: string, namespace: string, timeoutMs: number): Promise<void> {
  return pollFrontend(address, timeoutMs, async (service) => {
    await service.describeNamespace({ namespace });
  });
}

/** Calls `probe` on a fresh connection to `address` until it succeeds, or throws after `timeoutMs`. */
export async function pollFrontend(
  address: string,
  timeoutMs: number,
  probe: (service: Connection['workflowService']) => Promise<void>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await probe(connection.workflowService);
        return;
      } finally {
        await connection.close();
      }
    } catch (error) {
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(
    `Temporal at ${address} did not become ready in ${timeoutMs / 1000} s: ${(lastError as Error)?.message}`,
  );
}

/**
 * Waits for `ready`, unless the child exits first (rejected with `exitMessage`); on any
 * failure the child is killed, so a server that never came up is not left running.
 */
export async function readyOrKilled(
  child: ChildProcess,
  ready: Promise<void>,
  exitMessage: (how: string) => string,
): Promise<void> {
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => reject(new Error(exitMessage(signal ?? `code ${code}`))));
    child.once('error', reject);
  });
  exited.catch(() => {});
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
