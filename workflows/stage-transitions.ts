import type { Stage } from '../domain/lead.ts';
import { records } from './activities.ts';
import type { LifecycleContext } from './lifecycle-context.ts';

/**
 * Moves the lead to `stage`: a new stage starts its sequence from the first step, may
 * escalate once again, and has no touch pending. Recorded in the read model and timeline.
 */
export async function moveTo(
  ctx: LifecycleContext,
  stage: Stage,
  reason: string,
  extra: { contractEndReason?: string } = {},
): Promise<void> {
  const { state } = ctx;
  const from = state.stage;
  if (from === stage) return;
  const now = Date.now();
  state.stage = stage;
  state.stageEnteredAtMs = now;
  state.stepIndex = 0;
  state.nextTouchAtMs = null;
  if (state.stepDueAtMs !== undefined) state.stepDueAtMs = null;
  state.escalatedThisStage = false;
  await records.recordStage({
    leadId: ctx.leadId,
    atMs: now,
    kind: 'stage_changed',
    stage,
    from,
    detail: { reason },
    dedupeKey: `${ctx.workflowId}/stage/${now}/${stage}`,
    ...extra,
  });
}
