import { describe, expect, it } from 'vitest';
import { restartDelayMs } from '../../../stack/supervised-process.ts';
import { workerEnvironments, workerName } from '../../../stack/worker-environments.ts';

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
