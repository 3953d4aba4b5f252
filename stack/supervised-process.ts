import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { stopChild } from './temporal-dev-server.ts';

/** A Node.js child kept running: restarted with backoff when it dies, until stopped. */
export class SupervisedProcess {
  private child: ChildProcess | undefined;
  private stopping = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly name: string,
    private readonly script: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  /** The running child's pid, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the child now. */
  start(): void {
    const startedAt = Date.now();
    // An IPC channel, unused but for one thing: the child sees it close if this process
    // dies without stopping it, and shuts itself down instead of lingering.
    const child = spawn(process.execPath, ['--import', 'tsx', this.script], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) createInterface({ input: stream }).on('line', (line) => this.log(`[${this.name}] ${line}`));
    }
    this.log(`${this.name} started (pid ${child.pid})`);
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopping) return;
      // A child that ran a while before dying gets a quick restart; one that keeps
      // failing at start-up backs off up to 30 s instead of spinning.
      this.failures = Date.now() - startedAt > 60_000 ? 1 : this.failures + 1;
      const delay = Math.min(30_000, 500 * 2 ** (this.failures - 1));
      this.log(`${this.name} exited (${signal ?? `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)} s`);
      this.restartTimer = setTimeout(() => this.start(), delay);
    });
  }

  /** Stops the child (SIGTERM, SIGKILL after `graceMs`) and never restarts it again. */
  async stop(graceMs = 15_000): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    if (this.child) await stopChild(this.child, graceMs);
  }
}
