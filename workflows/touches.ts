import { ActivityFailure, ApplicationFailure, patched } from '@temporalio/workflow';
import type { Cadence, Step } from '../domain/cadence.ts';
import { addDuration } from '../domain/duration.ts';
import { touchKey } from '../domain/lead.ts';
import { planCadenceOf } from '../domain/sequence-plan.ts';
import { planNextTouch, type PlannedTouch } from '../domain/touch-plan.ts';
import { reasonMessage } from '../domain/touch-reasons.ts';
import { earliestTouchTime } from '../domain/touch-timing.ts';
import type { SendEmailInput } from '../activities/email.ts';
import { accountCapGate, settleAccountCap } from './account-cap.ts';
import { records, sends, touchRecords } from './activities.ts';
import { countReachedTouch, RECENT_TOUCHES_KEPT } from './lead-state.ts';
import type { LifecycleContext } from './lifecycle-context.ts';
import { moveTo } from './stage-transitions.ts';
import { waitUntil } from './waiting.ts';

/** The stages that run a sequence of touches, and the cadence part each one runs. */
export type SequenceStage = 'nurturing' | 'customer' | 'reactivation';

function sequenceOf(cadence: Cadence, stage: SequenceStage): { steps: readonly Step[]; repeat: boolean } | undefined {
  if (stage === 'nurturing') return { steps: cadence.nurture.steps, repeat: cadence.nurture.repeat ?? false };
  if (stage === 'customer')
    return cadence.upsell ? { steps: cadence.upsell.steps, repeat: cadence.upsell.repeat ?? false } : undefined;
  return cadence.reactivation ? { steps: cadence.reactivation.steps, repeat: false } : undefined;
}

/**
 * One step of the stage's sequence: plan it from the lead's current cadence, wait its
 * `after`, hold it for the send window and frequency cap, then touch. A sequence that has
 * run out waits for events (reactivation hands the lead back to nurturing instead).
 */
export async function runSequenceStep(ctx: LifecycleContext, stage: SequenceStage): Promise<void> {
  const { state } = ctx;
  const plan = await touchRecords().planNextStep(ctx.leadId);
  ctx.plan = plan;
  // Another cadence starts from its first step; a new version of the same one continues.
  if (state.cadenceKey !== null && state.cadenceKey !== plan.cadence.key) {
    state.stepIndex = 0;
    state.nextTouchAtMs = null;
  }
  state.cadenceKey = plan.cadence.key;
  state.cadenceVersion = plan.cadence.version;

  if (patched('lead-lifecycle/touch-plan')) {
    await runPlannedStep(ctx, stage);
    return;
  }
  const sequence = sequenceOf(plan.cadence.definition, stage);
  if (sequence && state.stepIndex >= sequence.steps.length && sequence.repeat) state.stepIndex = 0;
  const step = sequence?.steps[state.stepIndex];
  if (!step) {
    await sequenceEnded(ctx, stage);
    return;
  }

  if (state.nextTouchAtMs === null) await setNextTouch(ctx, addDuration(Date.now(), step.after, plan.timezone));
  if ((await waitUntil(ctx, state.nextTouchAtMs)) === 'interrupted') return;

  const definition = plan.cadence.definition;
  for (;;) {
    const now = Date.now();
    const { atMs, delayedBy } = earliestTouchTime(now, {
      window: definition.sendWindow,
      cap: definition.frequencyCap,
      recentTouchesMs: state.recentTouchesMs,
      timeZone: plan.timezone,
    });
    if (atMs <= now) break;
    await setNextTouch(ctx, atMs);
    await records.recordTimeline({
      leadId: ctx.leadId,
      atMs: now,
      kind: 'touch_delayed',
      detail: { until: new Date(atMs).toISOString(), by: delayedBy, step: state.stepIndex },
      dedupeKey: `${ctx.workflowId}/delay/${state.touches}/${atMs}`,
    });
    if ((await waitUntil(ctx, atMs)) === 'interrupted') return;
  }

  await touch(ctx, step);
  state.touches += 1;
  state.stepIndex += 1;
  state.recentTouchesMs.push(Date.now());
  if (state.recentTouchesMs.length > RECENT_TOUCHES_KEPT) state.recentTouchesMs.shift();
  await setNextTouch(ctx, null);
}

/** A sequence that has run out waits for events; reactivation hands the lead back to nurturing. */
async function sequenceEnded(ctx: LifecycleContext, stage: SequenceStage): Promise<void> {
  if (stage === 'reactivation') {
    await moveTo(ctx, 'nurturing', 'reactivation steps done');
    return;
  }
  await setNextTouch(ctx, null);
  await waitUntil(ctx, null);
}

async function setNextTouch(ctx: LifecycleContext, atMs: number | null): Promise<void> {
  ctx.state.nextTouchAtMs = atMs;
  // The step index rides along (an activity's input is not part of the replayed commands),
  // so saving a cadence can say which running leads it moves.
  await touchRecords().recordNextTouch({
    leadId: ctx.leadId,
    at: atMs === null ? null : new Date(atMs).toISOString(),
    stepIndex: ctx.state.stepIndex,
  });
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
    records.recordTimeline({
      leadId: ctx.leadId,
      atMs: now,
      kind: 'touch_skipped',
      detail: { channel: step.channel, template: step.template ?? null, reason },
      dedupeKey: `${key}/skipped`,
    });
  if (state.doNotContact) return skip('do not contact');
  try {
    if (step.channel === 'email') {
      if (state.emailSuppressed) return skip('email suppressed');
      await sends.sendEmail({ leadId: ctx.leadId, templateKey: step.template ?? '', idempotencyKey: key });
    } else {
      await records.createTask({
        leadId: ctx.leadId,
        kind: step.channel === 'dm' ? 'dm' : 'todo',
        templateKey: step.template,
        title: step.title,
        atMs: now,
        idempotencyKey: key,
      });
    }
  } catch (error) {
    if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) throw error;
    await records.recordTimeline({
      leadId: ctx.leadId,
      atMs: now,
      kind: 'touch_failed',
      detail: {
        channel: step.channel,
        template: step.template ?? null,
        error: error.cause.message,
        type: error.cause.type ?? null,
      },
      dedupeKey: `${key}/failed`,
    });
  }
}

/** The planner's input for the lead as the workflow knows it now. */
function plannerInput(ctx: LifecycleContext, stage: SequenceStage) {
  const { state } = ctx;
  const plan = ctx.plan;
  if (!plan) return undefined;
  const cadence = planCadenceOf(plan.cadence.definition, stage);
  if (!cadence) return undefined;
  const nowMs = Date.now();
  // A state from before the planner continues from its last touch; a new stage from its start.
  state.stepDueAtMs ??=
    state.stepIndex === 0 ? state.stageEnteredAtMs : (state.recentTouchesMs.at(-1) ?? state.stageEnteredAtMs);
  state.touchAttempts ??= state.touches;
  return {
    cadence,
    timeZone: plan.timezone,
    nowMs,
    stepIndex: state.stepIndex,
    previousDueMs: state.stepDueAtMs,
    reachedMs: state.recentTouchesMs,
    // A pause is waitUntil's to hold: the plan stays what it will be on resuming.
    pauses: [],
    lead: {
      hasPostalAddress: plan.hasPostalAddress ?? true,
      // No consent basis under CONSENT_REQUIRED plans like a suppressed address: fallbacks.
      emailSuppressed: state.emailSuppressed || plan.emailBlocked === true,
      doNotContact: state.doNotContact,
    },
  };
}

/**
 * One touch planned by the touch planner (domain/touch-plan.ts): the next step due from
 * the previous step's due time, or the month's guarantee touch, at the real time it goes
 * out. The plan is made again when the wait ends, so an event met meanwhile (an
 * unsubscribe, a new cadence version) is taken into account.
 */
async function runPlannedStep(ctx: LifecycleContext, stage: SequenceStage): Promise<void> {
  const { state } = ctx;
  let touch: PlannedTouch | undefined;
  for (;;) {
    const input = plannerInput(ctx, stage);
    touch = input && planNextTouch(input);
    if (!touch) {
      await sequenceEnded(ctx, stage);
      return;
    }
    if (touch.atMs !== null && touch.atMs > Date.now()) {
      if (state.nextTouchAtMs !== touch.atMs) {
        await setNextTouch(ctx, touch.atMs);
        if (touch.atMs > touch.dueAtMs) await recordDelay(ctx, touch, touch.atMs);
      }
      if ((await waitUntil(ctx, touch.atMs)) === 'interrupted') return;
      continue;
    }
    break;
  }
  // The per-account cap (workflows/account-cap.ts): held touches are planned again.
  const gate = await accountCapGate(ctx, touch);
  if (gate.held) return;
  const reached = await touchPlanned(ctx, touch, stage);
  await settleAccountCap(gate, reached);
  if (reached) countReachedTouch(ctx.state, Date.now());
  state.touchAttempts = (state.touchAttempts ?? state.touches) + 1;
  if (touch.kind === 'step') {
    state.stepIndex = touch.nextStepIndex;
    state.stepDueAtMs = touch.dueAtMs;
  }
  await setNextTouch(ctx, null);
}

const SKIP_WORDS = {
  do_not_contact: 'do not contact',
  email_suppressed: 'email suppressed',
  no_postal_address: 'no postal address',
} as const;

const WINDOW_CODES: ReadonlySet<string> = new Set(['outside_hours', 'weekend', 'holiday', 'year_end_break']);

/** A held touch on the timeline, once per planned time: `by` as before (window, cap), and the coded reasons. */
async function recordDelay(ctx: LifecycleContext, touch: PlannedTouch, atMs: number): Promise<void> {
  const codes = touch.reasons.map((r) => r.code as string);
  const by = [
    ...(codes.some((c) => c === 'frequency_cap' || c === 'min_gap' || c === 'cap_reserve') ? ['cap'] : []),
    ...(codes.some((c) => WINDOW_CODES.has(c)) ? ['window'] : []),
  ];
  if (by.length === 0 && touch.kind === 'step') return;
  const reasons = touch.reasons.map((reason) => ({
    code: reason.code,
    message: reasonMessage(reason, 'en'),
    ja: reasonMessage(reason, 'ja'),
  }));
  const now = Date.now();
  await records.recordTimeline({
    leadId: ctx.leadId,
    atMs: now,
    kind: 'touch_delayed',
    detail: {
      until: new Date(atMs).toISOString(),
      by,
      step: touch.step,
      kind: touch.kind,
      dueAt: new Date(touch.dueAtMs).toISOString(),
      reasons,
    },
    dedupeKey: `${ctx.workflowId}/delay/${ctx.state.touchAttempts ?? ctx.state.touches}/${atMs}`,
  });
}

/**
 * Where an email touch comes from, for the email report, and the step's A/B variants when
 * the touch is the step's own email (not its fallback, not the guarantee). Only the
 * activity's input grows: the workflow's commands are the same, so no patch is needed.
 */
function emailOrigin(
  ctx: LifecycleContext,
  touch: PlannedTouch,
  stage: SequenceStage,
): Pick<SendEmailInput, 'origin' | 'variants'> {
  const cadence = ctx.plan?.cadence;
  if (!cadence) return {};
  const origin = { cadenceKey: cadence.key, stage, step: touch.kind === 'step' ? touch.step : null };
  const step = origin.step === null ? undefined : sequenceOf(cadence.definition, stage)?.steps[origin.step];
  const ownEmail = step?.variants && step.channel === 'email' && !touch.reasons.some((r) => r.code === 'fallback');
  return ownEmail ? { origin, variants: step.variants } : { origin };
}

/**
 * Makes a planned touch and says whether it reached the lead. A skipped step, a fallback
 * and a guarantee touch are on the timeline with their reasons; a touch that fails for
 * good is recorded and the sequence goes on.
 */
async function touchPlanned(ctx: LifecycleContext, touch: PlannedTouch, stage: SequenceStage): Promise<boolean> {
  const { state } = ctx;
  const key = touchKey(ctx.workflowId, state.stage, state.touchAttempts ?? state.touches);
  const now = Date.now();
  const reasons = touch.reasons.map((reason) => ({
    code: reason.code,
    message: reasonMessage(reason, 'en'),
    ja: reasonMessage(reason, 'ja'),
  }));
  const detail = {
    step: touch.step,
    channel: touch.channel,
    template: touch.template,
    title: touch.title,
    dueAt: new Date(touch.dueAtMs).toISOString(),
    reasons,
  };
  if (touch.skip) {
    const issue = touch.reasons.find((r) => r.code === 'skipped');
    // The words the timeline has always used for a skip, with the coded reasons beside them.
    const reason = issue?.code === 'skipped' ? SKIP_WORDS[issue.issue] : '';
    await records.recordTimeline({
      leadId: ctx.leadId,
      atMs: now,
      kind: 'touch_skipped',
      detail: { ...detail, reason },
      dedupeKey: `${key}/skipped`,
    });
    return false;
  }
  if (touch.kind === 'guarantee') {
    await records.recordTimeline({
      leadId: ctx.leadId,
      atMs: now,
      kind: 'guarantee_touch',
      detail,
      dedupeKey: `${key}/guarantee`,
    });
  } else if (touch.reasons.some((r) => r.code === 'fallback')) {
    await records.recordTimeline({
      leadId: ctx.leadId,
      atMs: now,
      kind: 'touch_fallback',
      detail,
      dedupeKey: `${key}/fallback`,
    });
  }
  try {
    if (touch.channel === 'email') {
      const result = await sends.sendEmail({
        leadId: ctx.leadId,
        templateKey: touch.template ?? '',
        idempotencyKey: key,
        ...emailOrigin(ctx, touch, stage),
      });
      return result.status !== 'suppressed' && touch.reaches;
    }
    const result = await records.createTask({
      leadId: ctx.leadId,
      kind: touch.channel === 'dm' ? 'dm' : 'todo',
      templateKey: touch.template ?? undefined,
      title: touch.title ?? undefined,
      atMs: now,
      idempotencyKey: key,
    });
    return result.status === 'created' && touch.reaches;
  } catch (error) {
    if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) throw error;
    await records.recordTimeline({
      leadId: ctx.leadId,
      atMs: now,
      kind: 'touch_failed',
      detail: { ...detail, error: error.cause.message, type: error.cause.type ?? null },
      dedupeKey: `${key}/failed`,
    });
    return false;
  }
}
