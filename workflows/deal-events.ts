import { patched } from '@temporalio/workflow';
import { salesDealKind, sameCrmDeal, type CrmDealRef } from '../domain/deals.ts';
import type { DealUpdate, LeadEvent } from '../domain/lead-events.ts';
import { records } from './activities.ts';
import { openDeal, type DealState } from './lead-state.ts';
import type { LifecycleContext } from './lifecycle-context.ts';
import { moveTo } from './stage-transitions.ts';

/** A CRM deal event, as the workflow receives it. */
export type DealEvent = Extract<LeadEvent, { kind: 'deal_stage_changed' | 'deal_won' | 'deal_lost' | 'deal_updated' }>;

const TIMELINE_KIND = {
  deal_stage_changed: 'deal_stage_changed',
  deal_won: 'deal_won',
  deal_lost: 'deal_lost',
  deal_updated: 'deal_updated',
} as const;

/** The read model's name for a deal tracked since before deals had keys (the migration made its row). */
const legacyDealKey = (ctx: LifecycleContext): string => `legacy/${ctx.leadId}`;

/** The fields a deal event reports. */
const updateOf = (event: DealEvent): DealUpdate =>
  event.kind === 'deal_lost' ? {} : event.kind === 'deal_won' ? (event.deal ?? {}) : event.deal;

/** What the timeline shows of a deal event: its fields, the fields that changed, the CRM deal. */
function detailOf(event: DealEvent, deal: DealState | null): Record<string, unknown> {
  return {
    ...(event.kind === 'deal_lost' ? { reason: event.reason ?? null } : { ...updateOf(event) }),
    ...(event.changes === undefined ? {} : { changed: event.changes }),
    ...(event.crmDeal === undefined ? {} : { crmDeal: event.crmDeal }),
    ...(deal?.kind === undefined ? {} : { dealKind: deal.kind }),
  };
}

/**
 * Whether an event is about the lead's tracked deal: the same CRM deal when both are
 * known; otherwise the tracked deal while it is open (a CRM that does not name its deals
 * reports one deal at a time).
 */
function isAbout(deal: DealState | null | undefined, crmDeal: CrmDealRef | undefined): boolean {
  if (!deal) return false;
  if (deal.crmDeal !== undefined && crmDeal !== undefined) return sameCrmDeal(deal.crmDeal, crmDeal);
  return deal.status === 'open';
}

/**
 * Applies a CRM deal event. A customer's deal that is not the deal it was won with is an
 * upsell deal ({@link handleUpsellDealEvent}); anything else is the lead's sales deal: a
 * stage change or win of another deal than the tracked one opens a new deal (nothing
 * carried over), `deal_updated` records amount, probability, close date or owner without
 * restarting days stalled, and a win makes a customer, a loss starts the cool-down.
 */
export async function handleDealEvent(
  ctx: LifecycleContext,
  event: DealEvent,
  key: string,
  now: number,
): Promise<void> {
  const { state } = ctx;
  const wonDeal = state.deal?.status === 'won' && sameCrmDeal(state.deal.crmDeal, event.crmDeal);
  if (state.stage === 'customer' && !wonDeal && patched('lead-lifecycle/upsell-deals')) {
    await handleUpsellDealEvent(ctx, event, key, now);
    return;
  }
  const update = updateOf(event);
  switch (event.kind) {
    case 'deal_updated': {
      const deal = state.deal;
      if (!isAbout(deal, event.crmDeal) && !wonDeal) {
        // An edit of an earlier deal: recorded on that deal, the current one untouched.
        await records.recordDeal({
          leadId: ctx.leadId,
          atMs: now,
          kind: 'deal_updated',
          detail: detailOf(event, null),
          dedupeKey: key,
          status: 'open',
          deal: update,
          moved: false,
          crmDeal: event.crmDeal,
          main: false,
        });
        return;
      }
      const current = deal as DealState;
      current.key ??= legacyDealKey(ctx);
      if (update.expectedCloseDate !== undefined && update.expectedCloseDate !== current.expectedCloseDate) {
        current.expectedCloseDate = update.expectedCloseDate;
        if (current.status === 'open') ctx.replan = true;
      }
      current.crmDeal ??= event.crmDeal;
      await records.recordDeal({
        leadId: ctx.leadId,
        atMs: now,
        kind: 'deal_updated',
        detail: detailOf(event, current),
        dedupeKey: key,
        status: current.status,
        deal: update,
        moved: false,
        dealKey: current.key,
        dealKind: current.kind,
        crmDeal: current.crmDeal,
      });
      return;
    }
    case 'deal_stage_changed':
    case 'deal_won': {
      const won = event.kind === 'deal_won';
      const previous = state.deal;
      const same = previous !== null && isAbout(previous, event.crmDeal);
      // As before deals had keys: the open deal moving keeps its close date and its alert.
      const open = same && previous.status === 'open';
      state.deal = {
        status: won ? 'won' : 'open',
        lastMovedAtMs: now,
        expectedCloseDate: update.expectedCloseDate ?? (open ? previous.expectedCloseDate : null),
        closeDateAlerted: open ? previous.closeDateAlerted : null,
        stalledAlerts: 0,
        lostAtMs: null,
        key: same ? (previous.key ?? legacyDealKey(ctx)) : key,
        kind: same ? (previous.kind ?? 'new') : salesDealKind(state.stage, state.contractEnd !== null),
        crmDeal: event.crmDeal ?? (same ? previous.crmDeal : undefined),
      };
      ctx.replan = true;
      await records.recordDeal({
        leadId: ctx.leadId,
        atMs: now,
        kind: TIMELINE_KIND[event.kind],
        detail: detailOf(event, state.deal),
        dedupeKey: key,
        status: state.deal.status,
        deal: update,
        moved: true,
        dealKey: state.deal.key,
        dealKind: state.deal.kind,
        crmDeal: state.deal.crmDeal,
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
      state.deal.key ??= legacyDealKey(ctx);
      ctx.replan = true;
      await records.recordDeal({
        leadId: ctx.leadId,
        atMs: now,
        kind: 'deal_lost',
        detail: detailOf(event, state.deal),
        dedupeKey: key,
        status: 'lost',
        deal: {},
        moved: true,
        dealKey: state.deal.key,
        dealKind: state.deal.kind,
        crmDeal: state.deal.crmDeal,
      });
      return;
    }
  }
}

/**
 * A customer's upsell deal (the one the engine made on an upsell escalation, or any CRM
 * deal of an account that is already a customer): it never moves the lead out of
 * `customer`. Its stage, fields, win (with its amount) and loss are recorded on the deal;
 * a win or a loss closes it and lets the next upsell opportunity escalate again, while the
 * upsell sequence goes on.
 */
async function handleUpsellDealEvent(ctx: LifecycleContext, event: DealEvent, key: string, now: number): Promise<void> {
  const { state } = ctx;
  const known = state.upsellDeal;
  const same =
    known != null &&
    (known.crmDeal !== undefined && event.crmDeal !== undefined
      ? sameCrmDeal(known.crmDeal, event.crmDeal)
      : known.status === 'open');
  const deal: DealState = same && known ? known : { ...openDeal(now), key, kind: 'upsell', crmDeal: event.crmDeal };
  deal.crmDeal ??= event.crmDeal;
  const moved = event.kind !== 'deal_updated';
  if (event.kind === 'deal_won') deal.status = 'won';
  else if (event.kind === 'deal_lost') deal.status = 'lost';
  else if (event.kind === 'deal_stage_changed') deal.status = 'open';
  if (moved) deal.lastMovedAtMs = now;
  const closed = deal.status !== 'open';
  state.upsellDeal = closed ? null : deal;
  if (closed) state.escalatedThisStage = false;
  await records.recordDeal({
    leadId: ctx.leadId,
    atMs: now,
    kind: TIMELINE_KIND[event.kind],
    detail: detailOf(event, deal),
    dedupeKey: key,
    status: deal.status,
    deal: updateOf(event),
    moved,
    dealKey: deal.key,
    dealKind: 'upsell',
    crmDeal: deal.crmDeal,
    main: false,
  });
}
