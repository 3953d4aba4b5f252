/** The workflow type that counts every segment once a day. */
export const SEGMENT_COUNTS_WORKFLOW = 'segmentCounts';

/** Its workflow id: one per task queue, so however many workers start it, one runs. */
export const segmentCountsId = (taskQueue: string): string => `segment-counts-${taskQueue}`;

const DAY_MS = 86_400_000;
/** Asia/Tokyo has had no daylight saving time since 1951: a fixed offset is exact. */
const TOKYO_OFFSET_MS = 9 * 3_600_000;
/** Past midnight, so the count of a day is taken on that day even with a clock a little fast. */
const AFTER_MIDNIGHT_MS = 5 * 60_000;

/** The next daily count: five past midnight in Asia/Tokyo, strictly after `nowMs`. */
export function nextSegmentCountAt(nowMs: number): number {
  const localMidnight = Math.floor((nowMs + TOKYO_OFFSET_MS) / DAY_MS) * DAY_MS - TOKYO_OFFSET_MS;
  const today = localMidnight + AFTER_MIDNIGHT_MS;
  return today > nowMs ? today : today + DAY_MS;
}
