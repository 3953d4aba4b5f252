import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { Cadence, Step } from '../domain/cadence.ts';
import { addDuration } from '../domain/duration.ts';
import { touchKey } from '../domain/lead.ts';
import { earliestTouchTime } from '../domain/touch-timing.ts';
import { records, sends } from './activities.ts';
import { RECENT_TOUCHES_KEPT } from './lead-state.ts';
import type { LifecycleContext } from './lifecycle-context.ts';
import { moveTo } from './stage-transitions.ts';
import { waitUntil } from './waiting.ts';

/** The stages that run a sequence of touches, and the cadence part each one runs. */
export type SequenceStage = 'nurturing' | 'customer' | 'reactivation';

function sequenceOf(cadence: Cadence, stage: SequenceStage): { steps: readonly Step[]; repeat: boolean } | undefined {
  if (stage === 'nurturing') return { steps: cadence.nurture.steps, repeat: cadence.nurture.repeat ?? false };
  if (stage === 'customer') return cadence.upsell ? { steps: cadence.upsell.steps, repeat: cadence.upsell.repeat ?? false } : undefined;
  return cadence.reactivation ? { steps: cadence.reactivation.steps, repeat: false } : undefined;
}

/**
 * One step of the stage's sequence: plan it from the lead's current cadence, wait its
 * `after`, hold it for the send window and frequency cap, then touch. A sequence that has
 * run out waits for events (reactivation hands the lead back to nurturing instead).
 */
export async function runSequenceStep(ctx: LifecycleContext, stage: SequenceStage): Promise<void> {
  const { state } = ctx;
  const plan = await records.planNextStep(ctx.leadId);
  ctx.plan = plan;
  // Another cadence starts from its first step; a new version of the same one continues.
  if (state.cadenceKey !== null && state.cadenceKey !== plan.cadence.key) {
    state.stepIndex = 0;
    state.nextTouchAtMs = null;
  }
  state.cadenceKey = plan.cadence.key;
  state.cadenceVersion = plan.cadence.version;

  const sequence = sequenceOf(plan.cadence.definition, stage);
  if (sequence && state.stepIndex >= sequence.steps.length && sequence.repeat) state.stepIndex = 0;
  const step = sequence?.steps[state.stepIndex];
  if (!step) {
    if (stage === 'reactivation') {
      await moveTo(ctx, 'nurturing', 'reactivation steps done');
      return;
    }
    await setNextTouch(ctx, null);
    await waitUntil(ctx, null);
    return;
  }

  if (state.nextTouchAtMs === null) await setNextTouch(ctx, addDuration(Date.now(), step.after, plan.timezone));
  if ((await waitUntil(ctx, state.nextTouchAtMs)) === 'interrupted') return;

  const definition = plan.cadence.definition;
  for (;;) {
    const now = Date.now();
    const { atMs, delayedBy } = earliestTouchTime(now, { window: definition.sendWindow, cap: definition.frequencyCap, recentTouchesMs: state.recentTouchesMs, timeZone: plan.timezone });
    if (atMs <= now) break;
    await setNextTouch(ctx, atMs);
    await records.recordTimeline({ leadId: ctx.leadId, atMs: now, kind: 'touch_delayed', detail: { until: new Date(atMs).toISOString(), by: delayedBy, step: state.stepIndex }, dedupeKey: `${ctx.workflowId}/delay/${state.touches}/${atMs}` });
    if ((await waitUntil(ctx, atMs)) === 'interrupted') return;
  }

  await touch(ctx, step);
  state.touches += 1;
  state.stepIndex += 1;
  state.recentTouchesMs.push(Date.now());
  if (state.recentTouchesMs.length > RECENT_TOUCHES_KEPT) state.recentTouchesMs.shift();
  await setNextTouch(ctx, null);
}

async function setNextTouch(ctx: LifecycleContext, atMs: number | null): Promise<void> {
  ctx.state.nextTouchAtMs = atMs;
  await records.recordNextTouch({ leadId: ctx.leadId, at: atMs === null ? null : new Date(atMs).toISOString() });
}

/**
 * Acts on a step's channel. A touch that fails for good (a missing template, a refused
 * address) is recorded on the timeline and the sequence goes on: one bad template must
 * not end a lead's life.
 */
async function touch(ctx: LifecycleContext, step: Step): Promise<void> {
  const { state } = ctx;
  const key = touchKey(ctx.workflowId, state.stage, state.touches);
  const now = Date.now();
  const skip = (reason: string) =>
    records.recordTimeline({ leadId: ctx.leadId, atMs: now, kind: 'touch_skipped', detail: { channel: step.channel, template: step.template ?? null, reason }, dedupeKey: `${key}/skipped` });
  if (state.doNotContact) return skip('do not contact');
  try {
    if (step.channel === 'email') {
      if (state.emailSuppressed) return skip('email suppressed');
      await sends.sendEmail({ leadId: ctx.leadId, templateKey: step.template ?? '', idempotencyKey: key });
    } else {
      await records.createTask({ leadId: ctx.leadId, kind: step.channel === 'dm' ? 'dm' : 'todo', templateKey: step.template, title: step.title, atMs: now, idempotencyKey: key });
    }
  } catch (error) {
    if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) throw error;
    await records.recordTimeline({ leadId: ctx.leadId, atMs: now, kind: 'touch_failed', detail: { channel: step.channel, template: step.template ?? null, error: error.cause.message, type: error.cause.type ?? null }, dedupeKey: `${key}/failed` });
  }
}
