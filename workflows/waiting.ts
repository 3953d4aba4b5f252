import { condition, workflowInfo } from '@temporalio/workflow';
import { handleLeadEvent } from './lead-event-handling.ts';
import type { LifecycleContext } from './lifecycle-context.ts';

/** Why a wait ended: its time came, or the caller must re-plan (stage change, continue-as-new). */
export type WaitOutcome = 'due' | 'interrupted';

/**
 * Waits on a durable timer until `dueAtMs` (forever when null), handling each event that
 * arrives meanwhile. Returns `interrupted` when an event moved the lead to another stage
 * or changed what is waited for, or history has grown enough for continue-as-new; the caller then returns and the plan
 * is made again from state. While paused, the time may pass but the wait does not end.
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
    if (workflowInfo().continueAsNewSuggested) return 'interrupted';
    const hasEvents = () => ctx.inbox.length > 0;
    if (dueAtMs === null || ctx.state.paused) {
      await condition(hasEvents);
      continue;
    }
    const remaining = dueAtMs - Date.now();
    if (remaining <= 0) return 'due';
    if (!(await condition(hasEvents, remaining))) return 'due';
  }
}
