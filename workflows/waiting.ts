import { condition, patched, workflowInfo } from '@temporalio/workflow';
import { handleLeadEvent } from './lead-event-handling.ts';
import type { LifecycleContext } from './lifecycle-context.ts';
import { hasNewOneOffSend, hasOneOffSends, nextOneOffAtMs, runDueOneOffSends } from './one-off-sends.ts';

/** Why a wait ended: its time came, or the caller must re-plan (stage change, continue-as-new). */
export type WaitOutcome = 'due' | 'interrupted';

/**
 * Waits on a durable timer until `dueAtMs` (forever when null), handling each event that
 * arrives meanwhile. Returns `interrupted` when an event moved the lead to another stage
 * or changed what is waited for, or history has grown enough for continue-as-new; the caller then returns and the plan
 * is made again from state. While paused, the time may pass but the wait does not end.
 * Broadcast emails handed to the lead (one-off-sends.ts) are judged as they arrive and
 * sent when due; one that reached the lead interrupts the wait, since the next touch's
 * plan must count it.
 */
export async function waitUntil(ctx: LifecycleContext, dueAtMs: number | null): Promise<WaitOutcome> {
  const stage = ctx.state.stage;
  for (;;) {
    while (ctx.inbox.length > 0) {
      await handleLeadEvent(ctx, ctx.inbox.shift() as (typeof ctx.inbox)[number]);
      if (ctx.state.stage !== stage || ctx.replan) {
        ctx.replan = false;
        return 'interrupted';
      }
    }
    // Only histories that were handed a broadcast reach the patch: older ones replay unchanged.
    if (hasOneOffSends(ctx) && patched('lead-lifecycle/one-off-send')) {
      if (await runDueOneOffSends(ctx)) return 'interrupted';
      if (ctx.inbox.length > 0) continue;
    }
    if (workflowInfo().continueAsNewSuggested) return 'interrupted';
    const hasEvents = () => ctx.inbox.length > 0 || hasNewOneOffSend(ctx);
    const touchAtMs = dueAtMs === null || ctx.state.paused ? null : dueAtMs;
    const oneOffAtMs = nextOneOffAtMs(ctx);
    const wakeAtMs =
      oneOffAtMs === null ? touchAtMs : touchAtMs === null ? oneOffAtMs : Math.min(touchAtMs, oneOffAtMs);
    if (wakeAtMs === null) {
      await condition(hasEvents);
      continue;
    }
    // Without a broadcast email held, the touch's time alone is waited for, as before.
    const forTouch = wakeAtMs === touchAtMs;
    const remaining = wakeAtMs - Date.now();
    if (remaining <= 0) {
      if (forTouch) return 'due';
      continue;
    }
    if (await condition(hasEvents, remaining)) continue;
    if (forTouch || (touchAtMs !== null && touchAtMs <= Date.now())) return 'due';
  }
}
