import { ParentClosePolicy, patched, startChild } from '@temporalio/workflow';
import { escalationFollowUpId } from '../domain/escalation-follow-up.ts';
import { escalationFollowUp } from './escalation-follow-up.ts';
import type { LifecycleContext } from './lifecycle-context.ts';

/**
 * Starts the follow-up of a new escalation when the lead's cadence asks for one
 * (`escalation.remindAfter`). The follow-up is a workflow of its own that outlives this
 * run (continue-as-new, a closed lead): abandoned, not cancelled, when this one ends.
 */
export async function followUpEscalation(
  ctx: LifecycleContext,
  escalationId: string,
  createdAtMs: number,
): Promise<void> {
  const cadence = ctx.plan?.cadence.definition;
  const remindAfter = cadence?.escalation?.remindAfter;
  // Only histories made with a cadence that has reminders reach the marker: older ones replay unchanged.
  if (remindAfter === undefined || !patched('lead-lifecycle/escalation-follow-up')) return;
  await startChild(escalationFollowUp, {
    workflowId: escalationFollowUpId(escalationId),
    args: [{ escalationId, createdAtMs, remindAfter, sendWindow: cadence?.sendWindow ?? null }],
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
}
