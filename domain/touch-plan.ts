import { lastBusinessDaysStart, monthEnd, monthLabel, monthOf, monthStart } from './calendar-months.ts';
import { addDuration, parseDuration } from './duration.ts';
import { type FrequencyCap, nextAllowedByCap } from './frequency-cap.ts';
import { nextOpening, type SendWindow } from './send-window.ts';
import { type ChannelStep, type LeadReach, resolveChannel, type TouchChannel } from './touch-channel.ts';
import { type TouchReason, windowReasons } from './touch-reasons.ts';

/** A step as the planner reads it: its wait and its channel (cadence.ts `Step`). */
export interface PlanStep extends ChannelStep {
  after: string;
}

/** The cadence fields that decide when and how the next touch goes out. */
export interface PlanCadence {
  steps: readonly PlanStep[];
  repeat: boolean;
  /** The step a repeat starts again from; {@link defaultRepeatFrom} when absent. */
  repeatFrom?: number | undefined;
  /** No two touches closer than this; absent means no minimum. */
  minGap?: string | undefined;
  frequencyCap?: FrequencyCap | null | undefined;
  sendWindow?: SendWindow | null | undefined;
  /** The monthly contact guarantee; absent means off. */
  guarantee?: { every: 'month'; fallback: ChannelStep } | undefined;
}

/** A span the lead was (or is) paused; `toMs` null while it still is. */
export interface PauseSpan {
  fromMs: number;
  toMs: number | null;
}

/** Everything the planner needs: the cadence, the lead's calendar and where the lead is in its sequence. */
export interface PlanInput {
  cadence: PlanCadence;
  /** The lead's time zone: calendar months and `after` waits are counted in it. */
  timeZone: string;
  nowMs: number;
  /** Index of the next step; at or past the end, a repeating sequence goes on from `repeatFrom`. */
  stepIndex: number;
  /** When the previous step was due (the sequence start before the first step): the next `after` counts from it. */
  previousDueMs: number;
  /**
   * Times of the touches that reached the lead (an email accepted, a DM for a lead with an
   * address, a completed task), oldest first: the cap, the minimum gap and the guarantee count these.
   */
  reachedMs: readonly number[];
  pauses: readonly PauseSpan[];
  lead: LeadReach;
}

/** The next touch: what, when it is due on the calendar, when it really goes out, and why. */
export interface PlannedTouch {
  kind: 'step' | 'guarantee';
  /** The step's index; null for a guarantee touch. */
  step: number | null;
  /** The step index after this one (the guarantee leaves it unchanged). */
  nextStepIndex: number;
  channel: TouchChannel;
  template: string | null;
  title: string | null;
  /** Whether the touch reaches the lead when it goes out (a task only when completed). */
  reaches: boolean;
  /** Nothing goes out: do-not-contact, or no channel reaches the lead. */
  skip: boolean;
  /** The step's calendar due time (the guarantee's: the start of the month's last business days). */
  dueAtMs: number;
  /** When it really goes out: window, holidays, cap, minimum gap and pauses applied; null while paused. */
  atMs: number | null;
  reasons: TouchReason[];
}

/** How many of a month's last business days the guarantee touch may use. */
export const GUARANTEE_BUSINESS_DAYS = 3;

/** Far more months than any search needs: the guarantee looks at most this far ahead. */
const MAX_MONTHS_AHEAD = 120;

const P1M = parseDuration('P1M');

/** The default `repeatFrom`: the first step whose wait is at least a month (so a repeat has no burst), else 0. */
export function defaultRepeatFrom(steps: readonly { after: string }[]): number {
  // Asked for on every plan of a repeating cadence; the answer depends on the waits alone.
  const key = steps.map((step) => step.after).join(' ');
  const known = repeatFroms.get(key);
  if (known !== undefined) return known;
  const answer = defaultRepeatFromUncached(steps);
  if (repeatFroms.size >= 10_000) repeatFroms.clear();
  repeatFroms.set(key, answer);
  return answer;
}

const repeatFroms = new Map<string, number>();

function defaultRepeatFromUncached(steps: readonly { after: string }[]): number {
  const reference = Date.UTC(2026, 0, 1);
  const monthLater = addDuration(reference, P1M, 'UTC');
  const index = steps.findIndex((step) => addDuration(reference, step.after, 'UTC') >= monthLater);
  return index < 0 ? 0 : index;
}

/** Which step `stepIndex` names, wrapping a repeating sequence at `repeatFrom`; undefined past the end. */
export function stepAt(
  cadence: Pick<PlanCadence, 'steps' | 'repeat' | 'repeatFrom'>,
  stepIndex: number,
): number | undefined {
  const { steps } = cadence;
  if (stepIndex < steps.length) return stepIndex;
  if (!cadence.repeat || steps.length === 0) return undefined;
  const from = Math.min(cadence.repeatFrom ?? defaultRepeatFrom(steps), steps.length - 1);
  return from + ((stepIndex - steps.length) % (steps.length - from));
}

/** An upper bound in milliseconds of a duration, so old touches that cannot count are dropped cheaply. */
function upperBoundMs(text: string): number {
  const d = parseDuration(text);
  const day = 86_400_000;
  return (
    (d.years * 366 + d.months * 31 + d.weeks * 7 + d.days + 1) * day +
    d.hours * 3_600_000 +
    d.minutes * 60_000 +
    d.seconds * 1000 +
    d.milliseconds
  );
}

interface Timing {
  atMs: number | null;
  reasons: TouchReason[];
}

/** What held a touch, kept raw while candidates are compared: words are made only for the chosen one. */
interface Hold {
  atMs: number | null;
  capped: boolean;
  gapped: boolean;
  paused: boolean;
  /** Where the send window first held the touch back, if it did. */
  windowFromMs: number | null;
}

type Rules = Pick<PlanInput, 'cadence' | 'timeZone' | 'reachedMs' | 'pauses'>;

function holdUntilAllowed(fromMs: number, input: Rules): Hold {
  const { cadence, timeZone, pauses } = input;
  const cap = cadence.frequencyCap ?? null;
  const gap = cadence.minGap === undefined ? null : { max: 1, per: cadence.minGap };
  const keepAfter = fromMs - Math.max(cap ? upperBoundMs(cap.per) : 0, gap ? upperBoundMs(gap.per) : 0);
  const recent = input.reachedMs.filter((x) => x >= keepAfter);
  const hold: Hold = { atMs: fromMs, capped: false, gapped: false, paused: false, windowFromMs: null };
  let atMs = fromMs;
  for (let round = 0; round < recent.length + pauses.length + 10; round++) {
    const afterCap = nextAllowedByCap(atMs, recent, cap, timeZone);
    if (afterCap > atMs) hold.capped = true;
    const afterGap = nextAllowedByCap(afterCap, recent, gap, timeZone);
    if (afterGap > afterCap) hold.gapped = true;
    const opened = nextOpening(afterGap, cadence.sendWindow);
    if (opened > afterGap && hold.windowFromMs === null) hold.windowFromMs = afterGap;
    const pause = pauses.find((p) => p.fromMs <= opened && (p.toMs === null || opened < p.toMs));
    if (pause) hold.paused = true;
    if (pause && pause.toMs === null) return { ...hold, atMs: null };
    const next = pause ? (pause.toMs as number) : opened;
    if (next === atMs) break;
    atMs = next;
  }
  return { ...hold, atMs };
}

function holdReasons(hold: Hold, cadence: PlanCadence): TouchReason[] {
  const reasons: TouchReason[] = [];
  if (hold.paused) reasons.push({ code: 'paused' });
  if (hold.atMs === null) return reasons;
  const cap = cadence.frequencyCap;
  if (hold.capped && cap) reasons.push({ code: 'frequency_cap', max: cap.max, per: cap.per });
  if (hold.gapped && cadence.minGap !== undefined) reasons.push({ code: 'min_gap', minGap: cadence.minGap });
  if (hold.windowFromMs !== null && cadence.sendWindow)
    reasons.push(...windowReasons(hold.windowFromMs, hold.atMs, cadence.sendWindow));
  return reasons;
}

/**
 * The earliest instant at or after `fromMs` that the cap, the minimum gap, the send window
 * and the pauses all allow (null while an open pause lasts), with the reasons that moved it.
 */
export function earliestAllowed(fromMs: number, input: Rules): Timing {
  const hold = holdUntilAllowed(fromMs, input);
  return { atMs: hold.atMs, reasons: holdReasons(hold, input.cadence) };
}

function reachedIn(month: number, input: PlanInput): boolean {
  const start = monthStart(month, input.timeZone);
  const end = monthEnd(month, input.timeZone);
  return input.reachedMs.some((x) => x >= start && x < end);
}

/** The regular next step of the sequence, or undefined when a non-repeating sequence has ended. */
function nextStep(input: PlanInput): PlannedTouch | undefined {
  const index = stepAt(input.cadence, input.stepIndex);
  const step = index === undefined ? undefined : input.cadence.steps[index];
  if (index === undefined || !step) return undefined;
  const dueAtMs = addDuration(input.previousDueMs, step.after, input.timeZone);
  const channel = resolveChannel(step, input.lead);
  const base = {
    kind: 'step' as const,
    step: index,
    nextStepIndex: input.stepIndex + 1,
    channel: channel.channel,
    template: channel.template,
    title: channel.title,
    reaches: channel.reaches,
    skip: channel.skip,
    dueAtMs,
  };
  const reasons: TouchReason[] = [];
  if (channel.issue !== null) {
    reasons.push(
      channel.skip
        ? { code: 'skipped', issue: channel.issue }
        : { code: 'fallback', from: channel.fallbackFrom as TouchChannel, to: channel.channel, issue: channel.issue },
    );
  }
  const fromMs = Math.max(dueAtMs, input.nowMs);
  // A skipped step goes by at its due time: nothing is sent, so no rule holds it.
  if (channel.skip) return { ...base, atMs: fromMs, reasons };
  // A task goes to the owner, not the lead: only the window and pauses hold it.
  const hold = holdUntilAllowed(fromMs, channel.reaches ? input : { ...input, reachedMs: [] });
  if (hold.atMs !== null && channel.reaches && input.cadence.guarantee) {
    const reserved = capReserve(hold.atMs, input);
    if (reserved)
      return {
        ...base,
        atMs: reserved.atMs,
        reasons: [...reasons, ...holdReasons(hold, input.cadence), ...reserved.reasons],
      };
  }
  return { ...base, atMs: hold.atMs, reasons: [...reasons, ...holdReasons(hold, input.cadence)] };
}

/**
 * A touch at `atMs` in a month that already had one must not use up the cap so that the
 * next month has no room left for its own touch: then it waits for that next month,
 * where it is that month's touch.
 */
function capReserve(atMs: number, input: PlanInput): Timing | undefined {
  const month = monthOf(atMs, input.timeZone);
  if (!reachedIn(month, input)) return undefined;
  const nextMonth = month + 1;
  const withTouch = { ...input, reachedMs: [...input.reachedMs, atMs] };
  const after = holdUntilAllowed(Math.max(atMs, monthStart(nextMonth, input.timeZone)), withTouch);
  if (after.atMs === null || after.atMs < monthEnd(nextMonth, input.timeZone)) return undefined;
  const deferred = earliestAllowed(monthStart(nextMonth, input.timeZone), input);
  if (deferred.atMs === null) return deferred;
  return { atMs: deferred.atMs, reasons: [{ code: 'cap_reserve', month: monthLabel(nextMonth) }, ...deferred.reasons] };
}

/** The guarantee touch for `month`, or undefined when the cap leaves no room in it. */
function guaranteeTouch(
  month: number,
  input: PlanInput,
  channel: ReturnType<typeof resolveChannel>,
): PlannedTouch | undefined {
  const { timeZone, nowMs } = input;
  const end = monthEnd(month, timeZone);
  const dueAtMs = lastBusinessDaysStart(month, timeZone, GUARANTEE_BUSINESS_DAYS);
  let hold = holdUntilAllowed(Math.max(nowMs, dueAtMs), input);
  // A send window in another zone than the lead's may open only before the target: any
  // earlier opening in the month is better than none.
  if (hold.atMs !== null && hold.atMs >= end)
    hold = holdUntilAllowed(Math.max(nowMs, monthStart(month, timeZone)), input);
  if (hold.atMs !== null && hold.atMs >= end) return undefined;
  const reasons: TouchReason[] = [{ code: 'guarantee', month: monthLabel(month) }];
  if (channel.issue !== null)
    reasons.push({
      code: 'fallback',
      from: channel.fallbackFrom as TouchChannel,
      to: channel.channel,
      issue: channel.issue,
    });
  return {
    kind: 'guarantee',
    step: null,
    nextStepIndex: input.stepIndex,
    channel: channel.channel,
    template: channel.template,
    title: channel.title,
    reaches: channel.reaches,
    skip: false,
    dueAtMs,
    atMs: hold.atMs,
    reasons: [...reasons, ...holdReasons(hold, input.cadence)],
  };
}

/**
 * The next touch of a lead's sequence: the next step, due `after` the previous step's due
 * time (never the actual send, so holds do not make later steps drift), sent at the
 * earliest instant the window, the Japanese calendar, the cap, the minimum gap and pauses
 * allow, on its fallback channel when its own cannot reach the lead. With the cadence's
 * guarantee on, a calendar month (in the lead's zone) that would pass with no touch that
 * reached the lead gets the guarantee touch in its last business days instead, within the
 * cap. Undefined when nothing is left to do (the sequence has ended and no guarantee).
 */
export function planNextTouch(input: PlanInput): PlannedTouch | undefined {
  const step = nextStep(input);
  const guarantee = input.cadence.guarantee;
  if (!guarantee) return step;
  const channel = resolveChannel(guarantee.fallback, input.lead);
  if (channel.skip || !channel.reaches) return step;
  // Paused with no end: nothing can be planned yet.
  if (step && step.atMs === null) return step;
  const first = monthOf(input.nowMs, input.timeZone);
  for (let month = first; month < first + MAX_MONTHS_AHEAD; month++) {
    if (reachedIn(month, input)) continue;
    const stepAtMs = step?.atMs ?? null;
    if (step && stepAtMs !== null && step.reaches && monthOf(stepAtMs, input.timeZone) === month) return step;
    if (step && stepAtMs !== null && stepAtMs < monthStart(month, input.timeZone)) return step;
    const touch = guaranteeTouch(month, input, channel);
    if (!touch) continue;
    if (touch.atMs === null) return touch;
    if (step && stepAtMs !== null && stepAtMs <= touch.atMs) return step;
    return touch;
  }
  return step;
}
