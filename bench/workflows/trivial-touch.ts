import { proxyActivities, sleep } from '@temporalio/workflow';

/** The one activity of the baseline: it does nothing, so the baseline costs only Temporal. */
export interface TrivialActivities {
  noop(): Promise<void>;
}

const { noop } = proxyActivities<TrivialActivities>({ startToCloseTimeout: '1 minute' });

/**
 * The baseline of the `touches` bench: wait as long as the real lead's first step, then run
 * one no-op activity. Whatever the real lifecycle costs beyond this is the engine's.
 */
export async function trivialTouch(delayMs: number): Promise<void> {
  await sleep(delayMs);
  await noop();
}
