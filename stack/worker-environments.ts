/**
 * glibc's arenas for a worker unless the environment names its own: two instead of eight per
 * core keep the memory freed after a burst of touches from staying resident in per-thread
 * arenas (docs/operations.md, "Sizing workers"). Read by glibc at process start, so it can only
 * be set from outside the process.
 */
export const WORKER_MALLOC_ARENA_MAX = '2';

/**
 * V8's heap settings for a worker process, given on its command line (`npm start`,
 * `npm run start:worker`, and so the compose file and the image): Node refuses
 * `--heap-growing-percent` in NODE_OPTIONS. A worker's live heap is small and bounded (the
 * workflow cache, the activities in flight), but V8's defaults let each of its two isolates
 * (the main thread and the workflow thread) keep up to 16 MiB semi-spaces and grow the old
 * space up to four times the live size before a full collection. Measured with 1,000 leads
 * waiting (`npm run bench -- memory`, load 5-6): 490 MiB resident (peak 538) with V8's
 * defaults, 344 (peak 438) with 2 MiB semi-spaces, 317 (peak 326) with the old space grown
 * by 30 % as well. The price is more frequent collections of a small heap.
 */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--heap-growing-percent=30'];

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
