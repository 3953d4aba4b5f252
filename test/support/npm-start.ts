import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { stack } from './services.ts';

/** `npm start` running as a child of the test, with every line it printed so far. */
export interface RunningStack {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
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
  return { child, lines, exited };
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
