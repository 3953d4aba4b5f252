import { addDuration, parseDuration } from './duration.ts';

/** At most `max` touches per `per` (an ISO 8601 duration), as in a cadence's `frequencyCap`. */
export interface FrequencyCap {
  max: number;
  per: string;
}

/**
 * The earliest instant t ≥ `atMs` at which fewer than `cap.max` touches count against the
 * cap, where a touch at x counts against t when x ≤ t < addDuration(x, per, timeZone).
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
  const touches = recentTouchesMs.map((x) => ({ x, expiry: addDuration(x, per, timeZone) }));
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
