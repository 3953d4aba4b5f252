import { addDuration, parseDuration } from './duration.ts';

/** At most `max` touches per `per` (an ISO 8601 duration), as in a cadence's `frequencyCap`. */
export interface FrequencyCap {
  max: number;
  per: string;
}

/**
 * The earliest instant t ≥ `atMs` at which fewer than `cap.max` touches count against the
 * cap, where a touch at x counts against t when x ≤ t < addDuration(x', per, timeZone) for
 * some touch x' ≤ x (its own expiry, or an earlier touch's when that one is later).
 * `per` is counted in `timeZone`, so `P1M` is a calendar month where the lead is.
 * A missing cap returns `atMs`.
 */
export function nextAllowedByCap(
  atMs: number,
  recentTouchesMs: readonly number[],
  cap: FrequencyCap | null | undefined,
  timeZone: string,
): number {
  if (!cap) return atMs;
  if (!Number.isInteger(cap.max) || cap.max < 1) {
    throw new RangeError(`frequency cap "max" must be a positive integer, not ${cap.max}`);
  }
  const per = parseDuration(cap.per);
  // A later touch never leaves the cap before an earlier one: calendar units clamp at month
  // ends (31 October + P1M is 30 November, like 30 October + P1M), and across a clock change
  // a later touch could otherwise expire first and let a third touch into a window of two.
  let latestExpiry = Number.NEGATIVE_INFINITY;
  const touches = [...recentTouchesMs]
    .sort((a, b) => a - b)
    .map((x) => {
      latestExpiry = Math.max(latestExpiry, addDuration(x, per, timeZone));
      return { x, expiry: latestExpiry };
    });
  const countAt = (t: number) => touches.filter(({ x, expiry }) => x <= t && t < expiry).length;
  // The count only falls when a touch expires, so the answer is `atMs` or some expiry after it;
  // trying them in order also copes with touches later than `atMs`, which start counting.
  const candidates = [atMs, ...touches.map(({ expiry }) => expiry).filter((expiry) => expiry > atMs)].sort(
    (a, b) => a - b,
  );
  for (const t of candidates) {
    if (countAt(t) < cap.max) return t;
  }
  // Unreachable: after the last expiry nothing counts, and max ≥ 1.
  throw new Error('frequency cap: no allowed instant found');
}
