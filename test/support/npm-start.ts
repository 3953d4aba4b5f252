import { spawn, type ChildProcess } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client, Connection } from '@temporalio/client';
import { freePort } from '../../stack/free-port.ts';
import { leadSettled } from './lead-settled.ts';
import { stack, waitFor } from './services.ts';

/** `npm start` running as a child of the test, with every line it printed so far. */
export interface RunningStack {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
  /** Waits until it says it is up ("Press Ctrl-C"); fails with everything it printed if it exits first. */
  up: (timeoutMs: number) => Promise<void>;
}

/** Starts `stack/main.ts` (what `npm start` runs) with `env` added to the test's environment. */
export function startStack(env: NodeJS.ProcessEnv): RunningStack {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(stack().projectDir, 'stack', 'main.ts')], {
    cwd: stack().projectDir,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const up = async (timeoutMs: number) => {
    await waitFor(
      async () =>
        lines.some((l) => l.includes('Press Ctrl-C')) ||
        (child.exitCode !== null ? Promise.reject(new Error(lines.join('\n'))) : false),
      'npm start to be up',
      timeoutMs,
    );
  };
  return { child, lines, exited, up };
}

/** True while a process with `pid` exists. */
export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Pids the supervisor printed that match `pattern`'s first group ("worker-1 started (pid 12)"). */
export const pidsIn = (lines: readonly string[], pattern: RegExp): number[] =>
  lines.flatMap((line) => {
    const match = pattern.exec(line);
    return match?.[1] ? [Number(match[1])] : [];
  });

/** An answer of the running stack's API: its status and JSON body. */
export interface StackAnswer {
  status: number;
  json: Record<string, unknown>;
}

/** A call to the running stack's API over real HTTP, as admin. */
export type StackApi = (method: string, url: string, body?: unknown) => Promise<StackAnswer>;

/** What `npm start` generated into the data directory's `secrets.json`. */
export interface StackSecrets {
  adminApiKey: string;
  postgresPassword: string;
}

/** One data directory that `npm start` is started in, once or several times over. */
export interface StackHome {
  dataDir: string;
  /** The API's port. */
  port: number;
  /** Where the capture SMTP server keeps the mail. */
  outbox: string;
  /** The environment every start gets. */
  env: Record<string, string> & { TEMPORAL_DEV_PORT: string; POSTGRES_DEV_PORT: string };
  /** Starts `npm start` here (again); the latest start is the one `cleanup` stops. */
  start: () => RunningStack;
  /** The started stack's API as admin (the key from `secrets.json`), once `/readyz` answers 200. */
  api: () => Promise<{ api: StackApi; secrets: StackSecrets }>;
  /**
   * Waits until the lead has no touch planned (`nextTouchAt` null) and its workflow, read
   * from the stack's own Temporal server, nothing in flight: then no further message can
   * come, so a count of its mail is final.
   */
  leadAtRest: (api: StackApi, leadId: string) => Promise<void>;
  /** Stops the latest start if it still runs and removes the data directory. */
  cleanup: () => Promise<void>;
}

/**
 * A fresh data directory (mode 0755, looser than `npm start` leaves it) with free ports for
 * the API, PostgreSQL and the capture SMTP server and the test run's Temporal CLI, plus
 * `env` (which names the Temporal port: a dev server's or a cluster frontend's).
 */
export async function stackHome(
  prefix: string,
  env: { TEMPORAL_DEV_PORT: string } & Record<string, string>,
): Promise<StackHome> {
  const dataDir = await mkdtemp(path.join(tmpdir(), prefix));
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const all = {
    DATA_DIR: dataDir,
    PORT: String(port),
    POSTGRES_DEV_PORT: String(await freePort()),
    SMTP_DEV_PORT: String(await freePort()),
    TEMPORAL_CLI_PATH: stack().temporalCliPath ?? '',
    LOG_LEVEL: 'warn',
    ...env,
  };
  let latest: RunningStack | undefined;
  const api = async () => {
    const secrets = JSON.parse(await readFile(path.join(dataDir, 'secrets.json'), 'utf8')) as StackSecrets;
    const call: StackApi = async (method, url, body) => {
      const res = await fetch(`http://127.0.0.1:${port}${url}`, {
        method,
        headers: {
          authorization: `Bearer ${secrets.adminApiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? null : JSON.stringify(body),
      });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    };
    await waitFor(
      async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200,
      'readyz',
      60_000,
    );
    return { api: call, secrets };
  };
  const leadAtRest = async (call: StackApi, leadId: string) => {
    // The default namespace: the one `npm start` registers when TEMPORAL_NAMESPACE is unset.
    const connection = await Connection.connect({ address: `127.0.0.1:${all.TEMPORAL_DEV_PORT}` });
    try {
      await leadSettled(
        new Client({ connection, namespace: 'default' }),
        leadId,
        async () => (await call('GET', `/v1/leads/${leadId}`)).json.nextTouchAt === null,
      );
    } finally {
      await connection.close();
    }
  };
  return {
    dataDir,
    port,
    outbox: path.join(dataDir, 'outbox'),
    env: all,
    start: () => (latest = startStack(all)),
    api,
    leadAtRest,
    cleanup: async () => {
      if (latest?.child.exitCode === null) {
        latest.child.kill('SIGTERM');
        await latest.exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The `hello` template both stack tests send: a Japanese subject and body with the lead's name. */
export const HELLO_TEMPLATE = {
  subject: 'こんにちは {{lead.name}} 様',
  mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.name}} 様</mj-text></mj-column></mj-section></mj-body></mjml>',
};
