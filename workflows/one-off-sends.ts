import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import { broadcastDeliveryKey, type OneOffSend, type SkipReason } from '../domain/broadcasts.ts';
import { decideOneOffSend } from '../domain/one-off-send.ts';
import { records, sends, touchRecords } from './activities.ts';
import { countReachedTouch, type PendingOneOffSend } from './lead-state.ts';
import type { LifecycleContext } from './lifecycle-context.ts';

/** How many settled broadcast ids the state keeps to ignore a repeated hand-over (the delivery key covers older ones). */
const DONE_KEPT = 200;

/**
 * The `oneOffSend` signal's handler: queues a broadcast's email, once per broadcast. The
 * lifecycle's waits (waiting.ts) judge it at once and send it when the rules allow.
 */
export function queueOneOffSend(ctx: LifecycleContext, send: OneOffSend): void {
  const queue = (ctx.state.oneOffSends ??= { pending: [], done: [] });
  if (queue.done.includes(send.broadcastId) || queue.pending.some((p) => p.broadcastId === send.broadcastId)) return;
  queue.pending.push({ broadcastId: send.broadcastId, template: send.template, name: send.name, atMs: null });
}

/** Whether a broadcast's email waits in the lead's workflow. */
export const hasOneOffSends = (ctx: LifecycleContext): boolean => (ctx.state.oneOffSends?.pending.length ?? 0) > 0;

/** Whether a broadcast's email has arrived and is not yet judged: a wait must wake for it. */
export const hasNewOneOffSend = (ctx: LifecycleContext): boolean =>
  ctx.state.oneOffSends?.pending.some((p) => p.atMs === null) ?? false;

/** When the earliest held broadcast email may go, or null when none is held. */
export function nextOneOffAtMs(ctx: LifecycleContext): number | null {
  let next: number | null = null;
  for (const p of ctx.state.oneOffSends?.pending ?? [])
    if (p.atMs !== null && (next === null || p.atMs < next)) next = p.atMs;
  return next;
}

/**
 * Judges and sends every broadcast email that is due: answers whether one reached the lead,
 * so the caller plans the next touch again (the cap, the minimum gap and the monthly
 * guarantee now count it).
 */
export async function runDueOneOffSends(ctx: LifecycleContext): Promise<boolean> {
  const queue = ctx.state.oneOffSends;
  if (!queue) return false;
  let reached = false;
  for (const send of [...queue.pending]) {
    if (send.atMs !== null && send.atMs > Date.now()) continue;
    const outcome = await runOneOffSend(ctx, send);
    if (outcome === 'held') continue;
    queue.pending = queue.pending.filter((p) => p.broadcastId !== send.broadcastId);
    queue.done.push(send.broadcastId);
    if (queue.done.length > DONE_KEPT) queue.done.shift();
    if (outcome === 'reached') reached = true;
  }
  return reached;
}

type Outcome = 'held' | 'skipped' | 'reached';

async function runOneOffSend(ctx: LifecycleContext, send: PendingOneOffSend): Promise<Outcome> {
  const { state } = ctx;
  const deliveryKey = broadcastDeliveryKey(ctx.workflowId, send.broadcastId);
  const settle = async (status: 'sent' | 'skipped', reason?: SkipReason, error?: string) => {
    await records.settleBroadcastRecipient({
      broadcastId: send.broadcastId,
      leadId: ctx.leadId,
      name: send.name,
      template: send.template,
      status,
      reason,
      deliveryKey,
      atMs: Date.now(),
      error,
    });
  };
  try {
    // Read again when due: the lead's consent and cadence (its window and cap) as they are now.
    ctx.plan = await touchRecords().planNextStep(ctx.leadId);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await settle('skipped', 'send_failed', error.cause?.message ?? error.message);
    return 'skipped';
  }
  const plan = ctx.plan;
  const decision = decideOneOffSend(
    {
      stage: state.stage,
      paused: state.paused,
      doNotContact: state.doNotContact,
      emailSuppressed: state.emailSuppressed,
      emailBlocked: plan.emailBlocked === true,
      reachedMs: state.recentTouchesMs,
      timeZone: plan.timezone,
      rules: plan.cadence.definition,
    },
    Date.now(),
  );
  if (decision.kind === 'hold') {
    if (send.atMs !== decision.untilMs)
      await records.recordTimeline({
        leadId: ctx.leadId,
        atMs: Date.now(),
        kind: 'broadcast_held',
        detail: { broadcastId: send.broadcastId, name: send.name, until: new Date(decision.untilMs).toISOString() },
        dedupeKey: `${deliveryKey}/held/${decision.untilMs}`,
      });
    send.atMs = decision.untilMs;
    return 'held';
  }
  if (decision.kind === 'skip') {
    await settle('skipped', decision.reason);
    return 'skipped';
  }
  const claim = await records.claimBroadcastTouch({ broadcastId: send.broadcastId, leadId: ctx.leadId, deliveryKey });
  if (!claim.go) {
    await settle('skipped', 'cancelled');
    return 'skipped';
  }
  try {
    const result = await sends.sendEmail({
      leadId: ctx.leadId,
      templateKey: send.template,
      idempotencyKey: deliveryKey,
      origin: { cadenceKey: plan.cadence.key, stage: 'broadcast', step: null },
    });
    // Exhaustive, so a new outcome of the shared send path (a per-account hold, say) must
    // be given its meaning here before this compiles.
    switch (result.status) {
      case 'suppressed':
        await settle('skipped', 'email_suppressed');
        return 'skipped';
      case 'sent':
      case 'already-sent':
      case 'unknown':
        // Sent, sent by an earlier attempt, or possibly sent by an attempt that died
        // mid-call (never resent): each counts as the touch, so the lead is not over-contacted.
        countReachedTouch(state, Date.now());
        await settle('sent');
        return 'reached';
      default: {
        const unexpected: never = result.status;
        throw new Error(`unexpected send outcome ${String(unexpected)}`);
      }
    }
  } catch (error) {
    if (!(error instanceof ActivityFailure) || !(error.cause instanceof ApplicationFailure)) throw error;
    await settle('skipped', 'send_failed', error.cause.message);
    return 'skipped';
  }
}
