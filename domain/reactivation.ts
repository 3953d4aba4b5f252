import { addDuration } from './duration.ts';
import { daysFromCivil, daysInMonth, DAY_MS } from './civil-days.ts';
import { instantOfLocal, localDateOf } from './zone-offset.ts';

/**
 * The wait that ends on the next 1 April, the start of the Japanese fiscal year: budgets
 * are set then, so "not this year" accounts are best approached when the new one opens.
 */
export const NEXT_FISCAL_YEAR = 'nextFiscalYear';

/** A reactivation wait: an ISO 8601 duration (`P6M`) or {@link NEXT_FISCAL_YEAR}. */
export type ReactivationWait = string;

/** What a person decided for an account at its contract end (`POST /v1/leads/:id/reactivation`). */
export interface ReactivationDecision {
  decision: 'resume' | 'close';
  /** When to resume (epoch ms); null: after the cadence's wait for the end reason. */
  resumeAtMs: number | null;
  /** The cadence to resume on; null: the lead's own. */
  cadence: string | null;
  note: string | null;
  /** Who decided (the API key's name, or `admin`). */
  decidedBy: string;
  decidedAtMs: number;
}

/** The cadence's `reactivation` section, as far as the dormant stage reads it. */
export interface ReactivationRules {
  eligibleReasons: readonly string[];
  waitAfterEnd: ReactivationWait;
  waitByReason?: Readonly<Record<string, ReactivationWait>> | undefined;
}

/** Where a dormant account goes next: back to reactivation at `atMs`, or closed. */
export type ReactivationPlan = { action: 'resume'; atMs: number; why: string } | { action: 'close'; why: string };

/** The wait for an end `reason`: its entry in `waitByReason`, else `waitAfterEnd`. */
export function waitForReason(rules: ReactivationRules, reason: string): ReactivationWait {
  return Object.hasOwn(rules.waitByReason ?? {}, reason)
    ? (rules.waitByReason?.[reason] as ReactivationWait)
    : rules.waitAfterEnd;
}

/**
 * The first instant of the first 1 April after the local day of `fromMs` in `timeZone`: a
 * contract ending on 31 March waits one day, one ending on 1 April a whole year.
 */
export function nextFiscalYearStart(fromMs: number, timeZone: string): number {
  const { year, month } = localDateOf(fromMs, timeZone);
  const startYear = month >= 4 ? year + 1 : year;
  return instantOfLocal(daysFromCivil(startYear, 4, 1) * DAY_MS, timeZone);
}

/** The instant `wait` after `fromMs` in `timeZone` (calendar units and fiscal years counted there). */
export function waitEndsAt(fromMs: number, wait: ReactivationWait, timeZone: string): number {
  return wait === NEXT_FISCAL_YEAR ? nextFiscalYearStart(fromMs, timeZone) : addDuration(fromMs, wait, timeZone);
}

/**
 * What the dormant stage does with an account whose contract ended at `endedAtMs` for
 * `reason`. A person's decision overrides the reason list: `close` closes, `resume` comes
 * back at its `resumeAt` (or after the reason's wait, even for a reason the list leaves
 * out). Without a decision, an eligible reason waits its wait and any other closes. The
 * wait counts from the contract's end, so an end long past resumes at once (the caller
 * waits until a time already gone).
 */
export function planReactivation(input: {
  reason: string;
  endedAtMs: number;
  rules: ReactivationRules | undefined;
  decision: ReactivationDecision | null;
  timeZone: string;
}): ReactivationPlan {
  const { reason, endedAtMs, rules, decision, timeZone } = input;
  const waitAt = () => waitEndsAt(endedAtMs, rules ? waitForReason(rules, reason) : 'P6M', timeZone);
  if (decision?.decision === 'close') {
    return { action: 'close', why: `decided by ${decision.decidedBy}: not a reactivation target` };
  }
  if (decision?.decision === 'resume') {
    return {
      action: 'resume',
      atMs: decision.resumeAtMs ?? waitAt(),
      why: `decided by ${decision.decidedBy}: resume`,
    };
  }
  if (!rules || !rules.eligibleReasons.includes(reason)) {
    return { action: 'close', why: `contract ended (${reason}): not a reactivation target` };
  }
  return { action: 'resume', atMs: waitAt(), why: 'reactivation wait over' };
}

/**
 * A contract's end as the CRM gives it, or a decision's `resumeAt`: a date (`2027-03-31`,
 * the start of that day in `timeZone`) or a date-time with its offset. Undefined for
 * anything else, so a malformed end date falls back to the time the end was reported
 * rather than stopping the lead (the API refuses a malformed `resumeAt` with 422).
 */
export function parseDateOrInstant(text: string, timeZone: string): number | undefined {
  const date = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (date) {
    const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
    return instantOfLocal(daysFromCivil(year, month, day) * DAY_MS, timeZone);
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}
