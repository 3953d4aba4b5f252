import { FIXED_DURATION_PATTERN } from './duration.ts';

/** A cadence's per-account cap: at most `touches` touches to one account's contacts in any rolling `per`. */
export interface PerAccountCap {
  touches: number;
  /** A fixed-length ISO 8601 duration (weeks, days, hours, minutes, seconds), e.g. P7D. */
  per: string;
}

const FIXED_DURATION_SHAPE = new RegExp(FIXED_DURATION_PATTERN);
const FIXED_DURATION_PARTS = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/u;

/**
 * The cap's window in milliseconds, or undefined when `per` is not a fixed length: a
 * rolling window is counted by the database clock across many leads' time zones, so
 * months and years (whose length depends on the zone and the date) are refused.
 */
export function accountCapWindowMs(per: string): number | undefined {
  const match = FIXED_DURATION_SHAPE.test(per) ? FIXED_DURATION_PARTS.exec(per) : null;
  if (!match) return undefined;
  const [, w, d, h, m, s] = match;
  const ms =
    (((Number(w ?? 0) * 7 + Number(d ?? 0)) * 24 + Number(h ?? 0)) * 60 + Number(m ?? 0)) * 60_000 +
    Number(s ?? 0) * 1000;
  return ms > 0 ? Math.round(ms) : undefined;
}

/** Why a cadence's `perAccountCap` cannot be used, or undefined when it can. */
export function accountCapProblem(cap: PerAccountCap): string | undefined {
  return accountCapWindowMs(cap.per) === undefined
    ? 'must be a fixed length in weeks, days, hours, minutes or seconds, e.g. P7D'
    : undefined;
}

/**
 * Whether one more touch fits the account's cap at `nowMs`, given when the account's
 * counted touches were made: null when it fits, else the moment it will (the oldest
 * touch that must age out leaves the window).
 */
export function accountCapHoldUntil(
  countedMs: readonly number[],
  cap: { touches: number; windowMs: number },
  nowMs: number,
): number | null {
  const inWindow = countedMs.filter((at) => at > nowMs - cap.windowMs).sort((a, b) => a - b);
  if (inWindow.length < cap.touches) return null;
  // Enough of the oldest must age out that touches - 1 remain: the one at that index decides.
  const decisive = inWindow[inWindow.length - cap.touches] as number;
  return decisive + cap.windowMs;
}
