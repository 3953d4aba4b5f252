/**
 * glibc's arenas for a worker unless the environment names its own: two instead of eight per
 * core keep the memory freed after a burst of touches from staying resident in per-thread
 * arenas (docs/operations.md, "Sizing workers"). Read by glibc at process start, so it can only
 * be set from outside the process.
 */
export const WORKER_MALLOC_ARENA_MAX = '2';

/**
 * The environment of each of the `workers` worker processes `npm start` runs. With a
 * metrics port set, worker i (from 0) gets `base + i`: processes on one machine cannot
 * share a port, and consecutive ports are what an operator lists as scrape targets.
 * `WORKERS` itself is left out: it is the supervisor's setting, not a worker's.
 */
export function workerEnvironments(
  env: NodeJS.ProcessEnv,
  workers: number,
  metricsBasePort: number | undefined,
): NodeJS.ProcessEnv[] {
  const { WORKERS: _workers, ...rest } = env;
  const shared = { ...rest, MALLOC_ARENA_MAX: rest.MALLOC_ARENA_MAX ?? WORKER_MALLOC_ARENA_MAX };
  return Array.from({ length: workers }, (_, i) =>
    metricsBasePort === undefined ? { ...shared } : { ...shared, WORKER_METRICS_PORT: String(metricsBasePort + i) },
  );
}

/** The name the supervisor gives worker i (from 0): `worker` alone, else `worker-1` ... `worker-N`. */
export function workerName(workers: number, i: number): string {
  return workers === 1 ? 'worker' : `worker-${i + 1}`;
}
