import { performance } from 'node:perf_hooks';

/** One timed batch: how many operations, how long the whole batch took, and per-call latencies. */
export interface BatchResult {
  count: number;
  elapsedMs: number;
  perSecond: number;
  p50Ms: number;
  p95Ms: number;
}

/** The value below which `q` (0..1) of `values` lie, nearest-rank; NaN for none. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

/** The median; the mean of the middle two for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Runs `task(0..count-1)` with at most `concurrency` in flight (a fixed set of lanes that
 * each take the next index), and times the whole batch from first start to last end.
 * A failing task fails the batch: a rate of failed calls would mean nothing. After a failure
 * no lane starts another task (those already running finish or fail on their own).
 */
export async function runConcurrently(
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<BatchResult> {
  const latencies: number[] = new Array<number>(count);
  let next = 0;
  let failed = false;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < count && !failed; i = next++) {
      const started = performance.now();
      try {
        await task(i);
      } catch (error) {
        failed = true;
        throw error;
      }
      latencies[i] = performance.now() - started;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
  const elapsedMs = performance.now() - started;
  return {
    count,
    elapsedMs,
    perSecond: (count * 1000) / elapsedMs,
    p50Ms: quantile(latencies, 0.5),
    p95Ms: quantile(latencies, 0.95),
  };
}

/** Times `count` sequential calls of `task`. */
export async function runSequentially(
  count: number,
  task: (index: number) => Promise<void> | void,
): Promise<BatchResult> {
  return runConcurrently(count, 1, async (i) => {
    await task(i);
  });
}

/** A figure rounded for the table and the JSON line: 3 significant digits, at most 2 decimals. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value) >= 1 ? Math.floor(Math.log10(Math.abs(value))) + 1 : 1;
  const decimals = Math.max(0, Math.min(2, 3 - magnitude));
  return Number(value.toFixed(decimals));
}
