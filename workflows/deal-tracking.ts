import { patched } from '@temporalio/workflow';
import { addDuration, startOfDayAfter } from '../domain/duration.ts';
import { planReactivation } from '../domain/reactivation.ts';
import { records, sends } from './activities.ts';
import { openDeal, type DealState } from './lead-state.ts';
import type { LifecycleContext } from './lifecycle-context.ts';
import { moveTo } from './stage-transitions.ts';
import { waitUntil } from './waiting.ts';

const DEFAULT_STALLED_AFTER = 'P14D';
const DEFAULT_RETURN_AFTER = 'P3M';
const DAY_MS = 86_400_000;

/**
 * One wait of the deal stage. An open deal waits for the CRM, alerting its owner each
 * `stalledAfter` without movement and once when its expected close date passes; a lost
 * deal returns the lead to nurturing after the cool-down.
 */
export async function runDealStep(ctx: LifecycleContext): Promise<void> {
  const { state } = ctx;
  ctx.plan ??= await records.planNextStep(ctx.leadId);
  const { definition } = ctx.plan.cadence;
  const timeZone = ctx.plan.timezone;
  state.deal ??= openDeal(state.stageEnteredAtMs);
  const deal: DealState = state.deal;

  if (deal.status === 'won') {
    await moveTo(ctx, 'customer', 'deal won');
    return;
  }
  if (deal.status === 'lost') {
    const back = addDuration(
      deal.lostAtMs ?? Date.now(),
      definition.lostDeal?.returnToNurtureAfter ?? DEFAULT_RETURN_AFTER,
      timeZone,
    );
    if ((await waitUntil(ctx, back)) === 'due') await moveTo(ctx, 'nurturing', 'lost deal cool-down over');
    return;
  }

  const stalledAfter = definition.deal?.stalledAfter ?? DEFAULT_STALLED_AFTER;
  let stalledAt = deal.lastMovedAtMs;
  for (let i = 0; i <= deal.stalledAlerts; i++) stalledAt = addDuration(stalledAt, stalledAfter, timeZone);
  const closeDue =
    deal.expectedCloseDate !== null && deal.closeDateAlerted !== deal.expectedCloseDate
      ? startOfDayAfter(deal.expectedCloseDate, timeZone)
      : Infinity;
  const next = Math.min(stalledAt, closeDue);
  if ((await waitUntil(ctx, next)) === 'interrupted') return;

  const now = Date.now();
  const alert = next === closeDue ? 'close_date_passed' : 'deal_stalled';
  if (alert === 'close_date_passed') deal.closeDateAlerted = deal.expectedCloseDate;
  else deal.stalledAlerts += 1;
  await sends.sendDealAlert({
    leadId: ctx.leadId,
    alert,
    daysStalled: Math.floor((now - deal.lastMovedAtMs) / DAY_MS),
    atMs: now,
    idempotencyKey: `${ctx.workflowId}/alert/${state.alerts++}`,
  });
}

/**
 * The dormant stage: a person's decision, else the cadence's reason list, says whether the
 * account comes back and when; the wait counts from the contract's end date when the CRM
 * gave one (an end long past resumes at once), and `waitByReason` may set it per reason.
 * Histories from before decisions and end dates keep the old rule: an eligible reason
 * waits `waitAfterEnd` from the report, any other closes.
 */
export async function runDormantStep(ctx: LifecycleContext): Promise<void> {
  const { state } = ctx;
  ctx.plan ??= await records.planNextStep(ctx.leadId);
  const reactivation = ctx.plan.cadence.definition.reactivation;
  const ended = state.contractEnd;
  if (!patched('lead-lifecycle/reactivation-decision')) {
    if (!ended?.eligible || !reactivation) {
      await moveTo(
        ctx,
        'closed',
        ended ? `contract ended (${ended.reason}): not a reactivation target` : 'not a reactivation target',
      );
      return;
    }
    const resumeAt = addDuration(ended.atMs, reactivation.waitAfterEnd, ctx.plan.timezone);
    await records.recordNextTouch({ leadId: ctx.leadId, at: new Date(resumeAt).toISOString() });
    if ((await waitUntil(ctx, resumeAt)) === 'due') await moveTo(ctx, 'reactivation', 'reactivation wait over');
    return;
  }
  const decision = state.reactivationDecision ?? null;
  const plan = planReactivation({
    reason: ended?.reason ?? 'unknown',
    endedAtMs: ended?.endedAtMs ?? ended?.atMs ?? state.stageEnteredAtMs,
    rules: reactivation,
    decision,
    timeZone: ctx.plan.timezone,
  });
  if (plan.action === 'close') {
    state.reactivationDecision = null;
    await moveTo(ctx, 'closed', plan.why);
    return;
  }
  await records.recordNextTouch({ leadId: ctx.leadId, at: new Date(plan.atMs).toISOString() });
  if ((await waitUntil(ctx, plan.atMs)) !== 'due') return;
  state.reactivationDecision = null;
  if (decision !== null && decision.cadence !== null && decision.cadence !== ctx.plan.cadence.key) {
    await records.setLeadCadence({ leadId: ctx.leadId, cadenceKey: decision.cadence, atMs: Date.now() });
    ctx.plan = null;
  }
  await moveTo(ctx, 'reactivation', plan.why);
}
