import type { LeadEvent } from '../domain/lead-events.ts';
import { records } from './activities.ts';
import type { LifecycleContext } from './lifecycle-context.ts';

/**
 * Keeps a person's reactivation decision for the dormant stage to apply. Taken while the
 * lead is a customer (decided ahead of the contract end) or dormant (the wait is planned
 * again at once); the API checked the stage, but an event may have moved the lead since,
 * so a decision that arrives in another stage is recorded as refused, not kept.
 */
export async function applyReactivationDecision(
  ctx: LifecycleContext,
  event: Extract<LeadEvent, { kind: 'reactivation_decided' }>,
  dedupeKey: string,
  nowMs: number,
): Promise<void> {
  const { state } = ctx;
  if (state.stage !== 'customer' && state.stage !== 'dormant') {
    await records.recordTimeline({
      leadId: ctx.leadId,
      atMs: nowMs,
      kind: 'reactivation_decision_refused',
      detail: { stage: state.stage, decision: event.decision, by: event.decidedBy },
      dedupeKey,
    });
    return;
  }
  const resumeAtMs = event.resumeAt === undefined ? NaN : Date.parse(event.resumeAt);
  state.reactivationDecision = {
    decision: event.decision,
    resumeAtMs: Number.isFinite(resumeAtMs) ? resumeAtMs : null,
    cadence: event.cadence ?? null,
    note: event.note ?? null,
    decidedBy: event.decidedBy,
    decidedAtMs: Date.parse(event.decidedAt),
  };
  if (state.stage === 'dormant') ctx.replan = true;
}
