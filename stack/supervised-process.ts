import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stopChild } from './temporal-dev-server.ts';

/**
 * How long to wait before restarting a child that died, given how many times in a row it
 * died soon after starting (`failures`, 1 for the first). A child that ran a while gets a
 * quick restart; one that keeps failing at start-up backs off up to 30 s instead of spinning.
 */
export function restartDelayMs(failures: number): number {
  return Math.min(30_000, 500 * 2 ** (Math.max(1, failures) - 1));
}

/** A child that ran at least this long before dying counts as a fresh failure, not a repeated one. */
const STABLE_AFTER_MS = 60_000;

/**
 * Keeps a child process running: restarted with backoff ({@link restartDelayMs}) when it
 * dies, each exit and restart logged, until stopped. `launch` spawns one child.
 */
export class Supervisor {
  private child: ChildProcess | undefined;
  private stopping = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly name: string,
    private readonly launch: () => ChildProcess,
    private readonly log: (line: string) => void,
    /** Called with each child started after a death (not the first), e.g. to report when it is ready again. */
    private readonly onRestart?: (child: ChildProcess) => void,
  ) {}

  /** The running child's pid, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts a child now and supervises it. */
  start(): void {
    this.supervise(this.launch());
    this.log(`${this.name} started (pid ${this.child?.pid})`);
  }

  /** Supervises a child started elsewhere (say, one whose readiness the caller awaited first). */
  supervise(child: ChildProcess): void {
    const startedAt = Date.now();
    this.child = child;
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      this.failures = Date.now() - startedAt > STABLE_AFTER_MS ? 1 : this.failures + 1;
      const delay = restartDelayMs(this.failures);
      this.log(`${this.name} exited (${signal ?? `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)} s`);
      this.restartTimer = setTimeout(() => {
        if (this.stopping) return;
        this.start();
        if (this.child) this.onRestart?.(this.child);
      }, delay);
    });
  }

  /** Stops the child (SIGTERM, SIGKILL after `graceMs`) and never restarts it again. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.child) await stopChild(this.child, graceMs);
  }
}

/** A Node.js script kept running under a {@link Supervisor}, its output prefixed with its name. */
export class SupervisedProcess {
  private readonly supervisor: Supervisor;

  constructor(
    name: string,
    script: string,
    env: NodeJS.ProcessEnv,
    log: (line: string) => void,
    nodeFlags: readonly string[] = [],
  ) {
    this.supervisor = new Supervisor(
      name,
      () => {
        // An IPC channel, unused but for one thing: the child sees it close if this process
        // dies without stopping it, and shuts itself down instead of lingering.
        const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script], {
          env,
          stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        });
        for (const stream of [child.stdout, child.stderr]) {
          if (stream) createInterface({ input: stream }).on('line', (line) => log(`[${name}] ${line}`));
        }
        return child;
      },
      log,
    );
  }

  /** The running child's pid, if any. */
  get pid(): number | undefined {
    return this.supervisor.pid;
  }

  /** Starts the child now. */
  start(): void {
    this.supervisor.start();
  }

  /** Stops the child (SIGTERM, SIGKILL after `graceMs`) and never restarts it again. */
  stop(graceMs = 15_000): Promise<void> {
    return this.supervisor.stop(graceMs);
  }
}
