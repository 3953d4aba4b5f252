import type { OneOffSend } from '../domain/broadcasts.ts';
import type { CrmDealRef, DealKind } from '../domain/deals.ts';
import type { Stage } from '../domain/lead.ts';
import type { Score } from '../domain/scoring.ts';
import type { LeadEvent } from '../domain/lead-events.ts';
import type { ReactivationDecision } from '../domain/reactivation.ts';

/** An open, won or lost deal as the workflow tracks it. */
export interface DealState {
  status: 'open' | 'won' | 'lost';
  lastMovedAtMs: number;
  /** YYYY-MM-DD, from the CRM. */
  expectedCloseDate: string | null;
  /** The close date already alerted as passed, so each date alerts once. */
  closeDateAlerted: string | null;
  /** Stalled alerts sent since the deal last moved. */
  stalledAlerts: number;
  lostAtMs: number | null;
  /** The deal's name in the read model (`deals.key`); absent for deals opened before deals had rows. */
  key?: string | undefined;
  kind?: DealKind | undefined;
  /** The CRM deal it is, once known (from the CRM's events or the deal the escalation made). */
  crmDeal?: CrmDealRef | undefined;
}

/**
 * Everything a lead's workflow knows, and all that continue-as-new carries. Every wait
 * is derived from it (a pending touch keeps its due time), so a new run resumes exactly.
 */
export interface LeadLifecycleState {
  stage: Stage;
  stageEnteredAtMs: number;
  /** Touches that reached the lead over its whole life (before the touch planner: every touch made). */
  touches: number;
  stepIndex: number;
  cadenceKey: string | null;
  cadenceVersion: number | null;
  /** Due time of the step being waited on; kept so continue-as-new does not restart a wait. */
  nextTouchAtMs: number | null;
  /** Recent touch times, for the frequency cap; with the touch planner, only touches that reached the lead. */
  recentTouchesMs: number[];
  /**
   * When the last step of the current sequence was due (the touch planner counts the next
   * `after` from it, never from the send); null at the start of a stage. Absent in states
   * from before the planner.
   */
  stepDueAtMs?: number | null;
  /** Touches tried (reached or not): the number in each planned touch's idempotency key. */
  touchAttempts?: number;
  score: Score;
  escalatedThisStage: boolean;
  /** Counts of escalations and alerts, the numbers in their idempotency keys. */
  escalations: number;
  alerts: number;
  paused: boolean;
  /** When the current pause began (null or absent when not paused, or paused before the calendar shift). */
  pausedAtMs?: number | null;
  emailSuppressed: boolean;
  doNotContact: boolean;
  deal: DealState | null;
  /** A customer's open upsell deal: it never moves the lead out of `customer`. */
  upsellDeal?: DealState | null;
  /**
   * The last contract end: when the workflow heard of it (`atMs`) and, when the CRM said,
   * when the contract ended (`endedAtMs`), which the reactivation wait counts from.
   */
  contractEnd: { reason: string; atMs: number; eligible: boolean; endedAtMs?: number } | null;
  /** A person's reactivation decision not yet applied (absent in states from before decisions). */
  reactivationDecision?: ReactivationDecision | null;
  /** The lead unsubscribed (or complained): unlike a hard bounce, it may not be reopened by hand. */
  unsubscribed?: boolean;
  /** Recently handled event ids, so a repeated signal has no second effect. */
  seenEventIds: string[];
  /** Events received but not yet handled when continue-as-new happened. */
  inbox: LeadEvent[];
  /**
   * Broadcast emails handed to the lead and not yet sent or skipped (`atMs`: held until
   * then, null: not yet judged), and the broadcasts already settled, newest last, so a
   * repeated hand-over is ignored. Absent in states from before one-off sends.
   */
  oneOffSends?: { pending: PendingOneOffSend[]; done: string[] };
}

/** A broadcast's email waiting in the lead's workflow. */
export interface PendingOneOffSend extends OneOffSend {
  atMs: number | null;
}

/** A deal that has just opened (or was last seen moving) at `atMs`. */
export function openDeal(atMs: number): DealState {
  return {
    status: 'open',
    lastMovedAtMs: atMs,
    expectedCloseDate: null,
    closeDateAlerted: null,
    stalledAlerts: 0,
    lostAtMs: null,
  };
}

/** The state of a lead that has just been created. */
export function initialState(nowMs: number): LeadLifecycleState {
  return {
    stage: 'nurturing',
    stageEnteredAtMs: nowMs,
    touches: 0,
    stepIndex: 0,
    cadenceKey: null,
    cadenceVersion: null,
    nextTouchAtMs: null,
    recentTouchesMs: [],
    score: { value: 0, atMs: nowMs },
    escalatedThisStage: false,
    escalations: 0,
    alerts: 0,
    paused: false,
    emailSuppressed: false,
    doNotContact: false,
    deal: null,
    contractEnd: null,
    seenEventIds: [],
    inbox: [],
  };
}

/** How many touch times and event ids the state keeps: enough for any cap and any retry burst. */
export const RECENT_TOUCHES_KEPT = 100;
export const SEEN_EVENT_IDS_KEPT = 500;

/**
 * Counts a touch that reached the lead (an email accepted, a DM to an address, a
 * completed task): the cap, the minimum gap and the monthly guarantee count these, and
 * so does `touches`. A completed task's handler calls it with the completion time.
 */
export function countReachedTouch(state: LeadLifecycleState, atMs: number): void {
  state.touches += 1;
  state.recentTouchesMs.push(atMs);
  state.recentTouchesMs.sort((a, b) => a - b);
  if (state.recentTouchesMs.length > RECENT_TOUCHES_KEPT) state.recentTouchesMs.shift();
}

/**
 * A pause stops the lead's calendar: on resume, the step waited on (and every later one,
 * counted from it) is due as long after the resume as it was after the pause began, so a
 * long pause neither sends the missed steps in a burst nor skips them. Only the part of the
 * pause spent in the current stage moves it (a stage entered while paused starts its own
 * calendar then). Months the shift leaves without a step get the guarantee touch.
 */
export function shiftCalendarForPause(state: LeadLifecycleState, kind: 'pause' | 'resume', nowMs: number): void {
  if (kind === 'pause') {
    if (!state.paused) state.pausedAtMs = nowMs;
    return;
  }
  const pausedAtMs = state.pausedAtMs;
  state.pausedAtMs = null;
  if (!state.paused || pausedAtMs == null || typeof state.stepDueAtMs !== 'number') return;
  state.stepDueAtMs += Math.max(0, nowMs - Math.max(pausedAtMs, state.stageEnteredAtMs));
}
