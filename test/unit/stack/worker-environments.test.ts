import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { restartDelayMs } from '../../../stack/supervised-process.ts';
import { WORKER_NODE_FLAGS, workerEnvironments, workerName } from '../../../stack/worker-environments.ts';

describe('workerEnvironments', () => {
  it('gives each of three workers its own metrics port, counting up from the base', () => {
    const envs = workerEnvironments(
      { WORKER_METRICS_PORT: '9464', WORKERS: '3', DATABASE_URL: 'postgres://x' },
      3,
      9464,
    );
    expect(envs.map((env) => env.WORKER_METRICS_PORT)).toEqual(['9464', '9465', '9466']);
    expect(envs.every((env) => env.DATABASE_URL === 'postgres://x')).toBe(true);
  });

  it('leaves WORKERS out of the workers’ environment and adds no metrics port when none is set', () => {
    const envs = workerEnvironments({ WORKERS: '2', PORT: '3000' }, 2, undefined);
    expect(envs).toEqual([
      { PORT: '3000', MALLOC_ARENA_MAX: '2' },
      { PORT: '3000', MALLOC_ARENA_MAX: '2' },
    ]);
  });

  it('limits the C allocator to two arenas unless the environment sets MALLOC_ARENA_MAX itself', () => {
    expect(workerEnvironments({}, 1, undefined)[0]?.MALLOC_ARENA_MAX).toBe('2');
    expect(workerEnvironments({ MALLOC_ARENA_MAX: '4' }, 1, undefined)[0]?.MALLOC_ARENA_MAX).toBe('4');
  });

  it('names a single worker "worker" and several "worker-1" … "worker-N"', () => {
    expect(workerName(1, 0)).toBe('worker');
    expect([0, 1, 2].map((i) => workerName(3, i))).toEqual(['worker-1', 'worker-2', 'worker-3']);
  });
});

describe('restartDelayMs', () => {
  it('restarts after 0.5 s, doubling with each failure in a row, never waiting more than 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map(restartDelayMs)).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
  });
});

describe('WORKER_NODE_FLAGS', () => {
  it('are the flags `npm run start:worker` (and so the image and the compose file) starts a worker with', async () => {
    const manifest = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(manifest.scripts['start:worker']).toBe(`node ${WORKER_NODE_FLAGS.join(' ')} --import tsx worker/main.ts`);
  });

  it('are taken by this Node on the command line and cap the young generation', () => {
    // A semi-space starts at 1 MiB whatever its cap, so each run asks for 16 MiB at once:
    // V8 clamps that to the cap the flags set.
    const semiSpace = (flags: readonly string[]) =>
      Number(
        execFileSync(process.execPath, [
          ...flags,
          '--min-semi-space-size=16',
          '-e',
          "process.stdout.write(String(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size))",
        ]).toString(),
      );
    // A misspelt or refused flag makes node exit with "bad option", and execFileSync throw.
    expect(semiSpace(WORKER_NODE_FLAGS)).toBe(2 * 1024 * 1024);
    expect(semiSpace([])).toBe(16 * 1024 * 1024);
  });
});
