import { ActivityFailure, ApplicationFailure, patched } from '@temporalio/workflow';
import type { SyncCrmDealInput } from '../activities/crm-deals.ts';
import { addPoints, crossesThreshold, decayedScore, halfLifeMs, pointsFor } from '../domain/scoring.ts';
import { crmCalls, records, sends } from './activities.ts';
import type { LeadEvent } from '../domain/lead-events.ts';
import { followUpEscalation } from './escalation-reminders.ts';
import { countReachedTouch, openDeal, SEEN_EVENT_IDS_KEPT, shiftCalendarForPause } from './lead-state.ts';
import type { LifecycleContext } from './lifecycle-context.ts';
import { moveTo } from './stage-transitions.ts';
import { stageMoveAllowed } from '../domain/stage-moves.ts';

const DEFAULT_HALF_LIFE = 'P30D';

/** The score right now, decayed with the cadence's half-life. */
export function currentScore(ctx: LifecycleContext, nowMs: number): number {
  return decayedScore(ctx.state.score, nowMs, scoreHalfLifeMs(ctx, nowMs));
}

function scoreHalfLifeMs(ctx: LifecycleContext, nowMs: number): number {
  return halfLifeMs(
    ctx.plan?.cadence.definition.scoring?.halfLife ?? DEFAULT_HALF_LIFE,
    nowMs,
    ctx.plan?.timezone ?? 'Asia/Tokyo',
  );
}

/**
 * Mirrors an escalation as a deal in the connected CRM. A CRM that refuses (bad
 * credentials, a rejected field) or stays down through every attempt leaves a
 * `crm_deal_failed` timeline entry; the lead's lifecycle goes on either way.
 */
async function syncCrmDeal(ctx: LifecycleContext, input: SyncCrmDealInput): Promise<void> {
  try {
    await crmCalls.syncCrmDeal(input);
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    const cause = error.cause instanceof ApplicationFailure ? error.cause : undefined;
    await records.recordTimeline({
      leadId: ctx.leadId,
      atMs: input.atMs,
      kind: 'crm_deal_failed',
      detail: { kind: input.kind, type: cause?.type ?? null, reason: cause?.message ?? error.message },
      dedupeKey: `${input.idempotencyKey}/failed`,
    });
  }
}

/**
 * An opt-out of email (link, one-click, CRM) or a spam complaint: the address is suppressed
 * (the API did that first), and the lead's life goes on without email. Paper mail is not
 * covered by an email opt-out, so its DM steps, its tasks and the guarantee's DM fallback
 * keep the monthly touch; only do-not-contact stops everything. The touch waited on is
 * planned again at once: an email step now falls back or is skipped, and the month may need
 * its guarantee touch.
 */
async function unsubscribeFromEmail(ctx: LifecycleContext, reason: string, key: string, now: number): Promise<void> {
  ctx.state.emailSuppressed = true;
  await records.recordTimeline({
    leadId: ctx.leadId,
    atMs: now,
    kind: 'unsubscribed',
    detail: { channel: 'email', reason },
    dedupeKey: key,
  });
  ctx.replan = true;
}

/**
 * Applies one event. A repeated event id is ignored. Engagement adds points and may
 * escalate (once per stage entry); CRM events move the deal and the stage; an unsubscribe
 * (or a complaint) ends email only, and do-not-contact closes the lead at once.
 */
export async function handleLeadEvent(ctx: LifecycleContext, event: LeadEvent): Promise<void> {
  const { state } = ctx;
  if (state.seenEventIds.includes(event.eventId)) return;
  state.seenEventIds.push(event.eventId);
  if (state.seenEventIds.length > SEEN_EVENT_IDS_KEPT) state.seenEventIds.shift();
  const now = Date.now();
  const key = `${ctx.workflowId}/event/${event.eventId}`;

  switch (event.kind) {
    case 'engagement': {
      ctx.plan ??= await records.planNextStep(ctx.leadId);
      const scoring = ctx.plan.cadence.definition.scoring;
      const halfLife = scoreHalfLifeMs(ctx, now);
      const before = decayedScore(state.score, now, halfLife);
      const points = pointsFor(event.type, scoring?.points);
      state.score = addPoints(state.score, points, now, halfLife);
      await records.recordEngagement({
        leadId: ctx.leadId,
        atMs: now,
        kind: 'event',
        detail: {
          type: event.type,
          points,
          score: Math.round(state.score.value * 100) / 100,
          occurredAt: new Date(event.occurredAtMs).toISOString(),
        },
        dedupeKey: key,
        score: state.score.value,
        halfLifeMs: halfLife,
      });
      const escalates = state.stage === 'nurturing' || state.stage === 'reactivation' || state.stage === 'customer';
      if (
        scoring &&
        escalates &&
        !state.escalatedThisStage &&
        crossesThreshold(before, state.score.value, scoring.threshold)
      ) {
        state.escalatedThisStage = true;
        const kind = state.stage === 'customer' ? 'upsell' : 'sales';
        const idempotencyKey = `${ctx.workflowId}/escalation/${state.escalations++}`;
        const escalation = await sends.escalate({
          leadId: ctx.leadId,
          kind,
          score: state.score.value,
          atMs: now,
          idempotencyKey,
        });
        await followUpEscalation(ctx, escalation.escalationId, now);
        if (kind === 'sales') {
          state.deal = openDeal(now);
          await moveTo(ctx, 'deal', 'score reached the threshold');
        }
        // After the stage moved: a CRM that is down delays its deal, never the lead.
        if (escalation.crmProvider && patched('lead-lifecycle/crm-deal')) {
          await syncCrmDeal(ctx, {
            leadId: ctx.leadId,
            kind,
            score: state.score.value,
            ownerEmail: escalation.ownerEmail ?? undefined,
            atMs: now,
            idempotencyKey: `${idempotencyKey}/crm`,
          });
        }
      }
      return;
    }
    case 'deal_stage_changed':
    case 'deal_won': {
      const won = event.kind === 'deal_won';
      const update = event.kind === 'deal_won' ? (event.deal ?? {}) : event.deal;
      const previous = state.deal;
      state.deal = {
        status: won ? 'won' : 'open',
        lastMovedAtMs: now,
        expectedCloseDate:
          update.expectedCloseDate ?? (previous?.status === 'open' ? previous.expectedCloseDate : null),
        closeDateAlerted: previous?.status === 'open' ? previous.closeDateAlerted : null,
        stalledAlerts: 0,
        lostAtMs: null,
      };
      ctx.replan = true;
      await records.recordDeal({
        leadId: ctx.leadId,
        atMs: now,
        kind: won ? 'deal_won' : 'deal_stage_changed',
        detail: { ...update },
        dedupeKey: key,
        status: state.deal.status,
        deal: update,
        moved: true,
      });
      if (won) {
        state.contractEnd = null;
        await moveTo(ctx, 'customer', 'deal won');
      } else {
        await moveTo(ctx, 'deal', 'deal reported by the CRM');
      }
      return;
    }
    case 'deal_lost': {
      if (state.stage !== 'deal') return;
      state.deal = { ...(state.deal ?? openDeal(now)), status: 'lost', lostAtMs: now };
      ctx.replan = true;
      await records.recordDeal({
        leadId: ctx.leadId,
        atMs: now,
        kind: 'deal_lost',
        detail: { reason: event.reason ?? null },
        dedupeKey: key,
        status: 'lost',
        deal: {},
        moved: true,
      });
      return;
    }
    case 'contract_ended': {
      ctx.plan ??= await records.planNextStep(ctx.leadId);
      const eligible = ctx.plan.cadence.definition.reactivation?.eligibleReasons.includes(event.reason) ?? false;
      state.contractEnd = { reason: event.reason, atMs: now, eligible };
      await moveTo(ctx, 'dormant', `contract ended: ${event.reason}`, { contractEndReason: event.reason });
      return;
    }
    case 'unsubscribed':
    case 'do_not_contact': {
      if (event.kind === 'unsubscribed' && patched('lead-lifecycle/email-only-unsubscribe')) {
        await unsubscribeFromEmail(ctx, event.reason ?? 'unsubscribed', key, now);
        return;
      }
      // Before that patch an unsubscribe closed the lead; histories recorded then replay it so.
      if (event.kind === 'unsubscribed') state.emailSuppressed = true;
      else state.doNotContact = true;
      await records.recordFlags({
        leadId: ctx.leadId,
        atMs: now,
        kind: event.kind,
        dedupeKey: key,
        ...(event.kind === 'do_not_contact' ? { doNotContact: true } : {}),
      });
      await moveTo(ctx, 'closed', event.kind === 'unsubscribed' ? 'unsubscribed' : 'do not contact');
      return;
    }
    case 'email_bounced': {
      // A hard bounce ends email to the address (the API suppressed it); DM and tasks go on.
      if (event.hard) state.emailSuppressed = true;
      await records.recordTimeline({
        leadId: ctx.leadId,
        atMs: now,
        kind: event.hard ? 'email_hard_bounce' : 'email_soft_bounce',
        dedupeKey: key,
      });
      return;
    }
    case 'stage_moved': {
      const from = state.stage;
      const reason = event.reason === undefined ? 'moved by hand' : `moved by hand: ${event.reason}`;
      // The API checked the read model; the workflow's own stage is the authority (an
      // event may have moved the lead since), so a move no longer allowed is recorded, not made.
      if (!stageMoveAllowed(from, event.stage)) {
        await records.recordTimeline({
          leadId: ctx.leadId,
          atMs: now,
          kind: 'stage_move_refused',
          detail: { from, to: event.stage, reason: event.reason ?? null },
          dedupeKey: key,
        });
        return;
      }
      if (event.stage === 'deal') {
        state.deal = openDeal(now);
        await records.recordDeal({
          leadId: ctx.leadId,
          atMs: now,
          kind: 'deal_opened',
          detail: { reason },
          dedupeKey: key,
          status: 'open',
          deal: {},
          moved: true,
        });
      } else if (from === 'deal' && state.deal?.status === 'open') {
        // Giving a deal up by hand is losing it: the pipeline drops it and the funnel counts it.
        state.deal = { ...state.deal, status: 'lost', lostAtMs: now };
        await records.recordDeal({
          leadId: ctx.leadId,
          atMs: now,
          kind: 'deal_lost',
          detail: { reason },
          dedupeKey: key,
          status: 'lost',
          deal: {},
          moved: true,
        });
      }
      await moveTo(ctx, event.stage, reason);
      return;
    }
    case 'task_completed':
      // A touch that reached the lead: the API recorded it on the timeline; here it counts
      // for the contact guarantee's month, the cap and minGap.
      countReachedTouch(ctx.state, event.completedAtMs);
      return;
    case 'pause':
    case 'resume': {
      if (patched('lead-lifecycle/pause-shifts-calendar')) {
        shiftCalendarForPause(state, event.kind, now);
        // The touch waited on moves with the calendar: plan it again at once.
        if (event.kind === 'resume') ctx.replan = true;
      }
      state.paused = event.kind === 'pause';
      await records.recordFlags({
        leadId: ctx.leadId,
        atMs: now,
        kind: event.kind === 'pause' ? 'paused' : 'resumed',
        dedupeKey: key,
        paused: state.paused,
      });
      return;
    }
  }
}
