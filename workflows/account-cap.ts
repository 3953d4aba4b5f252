import { patched } from '@temporalio/workflow';
import { touchKey } from '../domain/lead.ts';
import type { PlannedTouch } from '../domain/touch-plan.ts';
import { reasonMessage, type TouchReason } from '../domain/touch-reasons.ts';
import { records, touchRecords } from './activities.ts';
import type { LifecycleContext } from './lifecycle-context.ts';
import { waitUntil } from './waiting.ts';

/** What the per-account cap decided for a touch that is due: go (with a slot to give back if it misses), or held. */
export type AccountCapGate = { held: true } | { held: false; reservedKey: string | null };

/**
 * The cadence's `perAccountCap` in front of a due touch (docs/accounts.md). The touch asks
 * the database for one of its account's slots (a claim made under the account row's lock,
 * so contacts due at once on different workers never both take the last one). Refused,
 * it is held, not dropped: the lead's next touch time becomes the moment the oldest
 * counted touch ages out, the hold is on the timeline, and when the wait ends the caller
 * plans again and asks again. The month's guarantee touch is never held (it takes a slot
 * over the cap and still counts). Behind a patch, and only for cadences with a cap, so
 * recorded histories replay unchanged.
 */
export async function accountCapGate(ctx: LifecycleContext, touch: PlannedTouch): Promise<AccountCapGate> {
  const cap = ctx.plan?.cadence.definition.perAccountCap;
  // A skipped step and an owner's task do not reach the lead: they neither wait nor count.
  if (!cap || touch.skip || !touch.reaches || !patched('lead-lifecycle/per-account-cap'))
    return { held: false, reservedKey: null };
  const { state } = ctx;
  const key = touchKey(ctx.workflowId, state.stage, state.touchAttempts ?? state.touches);
  const slot = await records.reserveAccountTouch({
    leadId: ctx.leadId,
    touchKey: key,
    cap,
    force: touch.kind === 'guarantee',
  });
  if (slot.granted) return { held: false, reservedKey: key };
  const untilMs = Date.parse(slot.until);
  const reason: TouchReason = { code: 'account_cap', touches: cap.touches, per: cap.per, until: slot.until };
  state.nextTouchAtMs = untilMs;
  await touchRecords().recordNextTouch({ leadId: ctx.leadId, at: slot.until, stepIndex: state.stepIndex });
  await records.recordTimeline({
    leadId: ctx.leadId,
    atMs: Date.now(),
    kind: 'touch_delayed',
    detail: {
      until: slot.until,
      by: ['account_cap'],
      step: touch.step,
      kind: touch.kind,
      dueAt: new Date(touch.dueAtMs).toISOString(),
      reasons: [{ code: reason.code, message: reasonMessage(reason, 'en'), ja: reasonMessage(reason, 'ja') }],
    },
    dedupeKey: `${key}/account-cap/${slot.until}`,
  });
  await waitUntil(ctx, untilMs);
  return { held: true };
}

/** Gives the touch's slot back when it did not reach the lead: a skipped or failed touch is not a touch. */
export async function settleAccountCap(gate: AccountCapGate, reached: boolean): Promise<void> {
  if (gate.held || gate.reservedKey === null || reached) return;
  await records.releaseAccountTouch({ touchKey: gate.reservedKey });
}
