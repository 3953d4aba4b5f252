import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { WORKER_NODE_FLAGS } from '../../stack/worker-environments.ts';
import { APP_SECRET, MAIL_FROM, stack, waitFor } from './services.ts';

/** A production worker process (worker/main.ts) and every line it printed so far. */
export interface WorkerProcess {
  child: ChildProcess;
  lines: string[];
}

/**
 * Starts worker/main.ts as `npm start` does, so a test can kill it for real or read what
 * it prints and serves; resolves once it polls (killed if it never does). `env` names at
 * least DATABASE_URL, TEMPORAL_TASK_QUEUE and SMTP_URL; Temporal, APP_SECRET and
 * MAIL_FROM default to the test run's.
 */
export async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const script = path.join(stack().projectDir, 'worker', 'main.ts');
  const child = spawn(process.execPath, [...WORKER_NODE_FLAGS, '--import', 'tsx', script], {
    cwd: stack().projectDir,
    env: { ...process.env, TEMPORAL_ADDRESS: stack().temporalAddress, APP_SECRET, MAIL_FROM, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream }).on('line', (line) => lines.push(line));
  try {
    await waitFor(
      async () =>
        lines.some((line) => line.includes('worker polling')) ||
        (child.exitCode !== null ? Promise.reject(new Error(`worker exited:\n${lines.join('\n')}`)) : false),
      'the worker to poll',
      120_000,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { child, lines };
}
