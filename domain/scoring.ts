import { addDuration } from './duration.ts';

/** A lead's engagement score: `value` as of the instant `atMs`; it decays from there. */
export interface Score {
  value: number;
  atMs: number;
}

/** The engagement events that earn points (DESIGN section 4, `POST /v1/events`). */
export const EVENT_TYPES = [
  'email_open',
  'email_click',
  'web_visit',
  'form_submit',
  'reply',
  'dm_response',
  'meeting_request',
] as const;

/** One of {@link EVENT_TYPES}. */
export type EventType = (typeof EVENT_TYPES)[number];

/** The half-life a score decays with when the cadence sets none. */
export const DEFAULT_HALF_LIFE = 'P30D';

/** 0.5^(elapsed / halfLife), with no decay for a non-positive half-life or elapsed time. */
function decayFactor(elapsedMs: number, halfLife: number): number {
  if (halfLife <= 0 || elapsedMs <= 0) return 1;
  return 0.5 ** (elapsedMs / halfLife);
}

/**
 * The score's value at `nowMs`: value·0.5^((now − at)/halfLife). A half-life ≤ 0 means no
 * decay; a `nowMs` before the score's instant returns the value as is, never a grown one.
 */
export function decayedScore(score: Score, nowMs: number, halfLifeMs: number): number {
  return score.value * decayFactor(nowMs - score.atMs, halfLifeMs);
}

/**
 * The score after `points` earned at `nowMs`: decayed to `nowMs`, plus the points, floored
 * at 0 so negative points cannot leave a debt that hides later engagement.
 */
export function addPoints(score: Score, points: number, nowMs: number, halfLifeMs: number): Score {
  if (nowMs >= score.atMs) {
    return { value: Math.max(0, decayedScore(score, nowMs, halfLifeMs) + points), atMs: nowMs };
  }
  // An event reported late (its occurredAt before the score's instant): decay its points up
  // to the score's instant rather than move the score back in time.
  return { value: Math.max(0, score.value + points * decayFactor(score.atMs - nowMs, halfLifeMs)), atMs: score.atMs };
}

/**
 * The half-life `halfLife` (ISO 8601) in milliseconds, measured from `fromMs` in `timeZone`:
 * `P1M` from 1 February is 28 days, from 1 March 31.
 */
export function halfLifeMs(halfLife: string, fromMs: number, timeZone: string): number {
  return addDuration(fromMs, halfLife, timeZone) - fromMs;
}

/**
 * How many half-lives an event's points count for: after ten they are under a thousandth
 * of what they were, and the issue says such an event counts nothing.
 */
export const COUNTED_HALF_LIVES = 10;

/** The instant an event counts from: when it happened, but never later than `nowMs` (a sender's clock ahead of ours). */
export function eventInstant(occurredAtMs: number, nowMs: number): number {
  return Math.min(occurredAtMs, nowMs);
}

/**
 * The score's value at `nowMs`, as {@link decayedScore}, except that a score whose newest
 * event (its instant) is more than {@link COUNTED_HALF_LIVES} half-lives old is 0: every
 * event in it is older than that.
 */
export function scoreValueAt(score: Score, nowMs: number, halfLifeMs: number): number {
  if (halfLifeMs > 0 && nowMs - score.atMs > COUNTED_HALF_LIVES * halfLifeMs) return 0;
  return decayedScore(score, nowMs, halfLifeMs);
}

/**
 * The instant a score stands at once an event that happened at `occurredAtMs` is added:
 * the event's (clamped) time, or the score's own when the event came out of order. An
 * empty score has no instant worth keeping: a lead's first event sets it.
 */
export function scoreInstantWith(score: Score, occurredAtMs: number, nowMs: number): number {
  const at = eventInstant(occurredAtMs, nowMs);
  return score.value > 0 ? Math.max(at, score.atMs) : at;
}

/**
 * The score after an event worth `points` that happened at `occurredAtMs`, handled at
 * `nowMs`: the points decay from the event's own time (clamped to `nowMs`), and an event
 * older than {@link COUNTED_HALF_LIVES} half-lives adds nothing. The score is brought to
 * the later of its instant and the event's, so later reads decay it from there.
 */
export function addEventPoints(
  score: Score,
  points: number,
  occurredAtMs: number,
  nowMs: number,
  halfLifeMs: number,
): { score: Score; counted: number } {
  const at = eventInstant(occurredAtMs, nowMs);
  const counted = halfLifeMs > 0 && nowMs - at > COUNTED_HALF_LIVES * halfLifeMs ? 0 : points;
  const baseAt = scoreInstantWith(score, occurredAtMs, nowMs);
  const base = { value: scoreValueAt(score, baseAt, halfLifeMs), atMs: baseAt };
  return { score: addPoints(base, counted, at, halfLifeMs), counted };
}

/** Whether a change from `before` to `after` reaches `threshold` from below: true only when before < threshold ≤ after. */
export function crossesThreshold(before: number, after: number, threshold: number): boolean {
  return before < threshold && threshold <= after;
}

/** The points a cadence awards for an event of `type`; 0 when the cadence does not configure it. */
export function pointsFor(type: EventType, points: Partial<Record<EventType, number>> | undefined): number {
  return points?.[type] ?? 0;
}

/** An engagement event as the lead's workflow scored it: when it was handled and the points it earned. */
export interface ScoredEvent {
  atMs: number;
  points: number;
  type: string;
}

/** One point of a score-over-time line; `event` names the event that made it, if one did. */
export interface ScorePoint {
  atMs: number;
  score: number;
  event?: string;
}

/**
 * The score over time, as the workflow computed it: each event adds its points to the
 * score decayed to that instant (floored at 0, {@link addPoints}), with the half-life
 * measured from that instant in `timeZone` as the workflow measures it. Between events
 * and down to `nowMs`, `samples` evenly spaced points follow the decay, so a line chart
 * draws the curve rather than straight segments. Starts at `startMs` with 0 when given.
 */
export function scoreHistory(
  events: readonly ScoredEvent[],
  options: { halfLife: string; timeZone: string; nowMs: number; startMs?: number; samples?: number },
): ScorePoint[] {
  const sorted = [...events].sort((a, b) => a.atMs - b.atMs);
  const firstMs = options.startMs ?? sorted[0]?.atMs ?? options.nowMs;
  const endMs = Math.max(options.nowMs, sorted.at(-1)?.atMs ?? options.nowMs);
  const samples = options.samples ?? 48;
  const step = endMs > firstMs ? (endMs - firstMs) / samples : 0;
  const sampleTimes =
    step > 0 ? Array.from({ length: samples - 1 }, (_, k) => Math.round(firstMs + (k + 1) * step)) : [];
  const halfLifeFrom = (atMs: number) => halfLifeMs(options.halfLife, atMs, options.timeZone);
  const round = (value: number) => Math.round(value * 100) / 100;

  const points: ScorePoint[] = [];
  let score: Score = { value: 0, atMs: firstMs };
  if (options.startMs !== undefined) points.push({ atMs: options.startMs, score: 0 });
  const decayTo = (atMs: number) =>
    points.push({ atMs, score: round(decayedScore(score, atMs, halfLifeFrom(score.atMs))) });
  let s = 0;
  for (const event of sorted) {
    for (; s < sampleTimes.length && (sampleTimes[s] as number) < event.atMs; s++) decayTo(sampleTimes[s] as number);
    score = addPoints(score, event.points, event.atMs, halfLifeFrom(event.atMs));
    points.push({ atMs: event.atMs, score: round(score.value), event: event.type });
  }
  for (; s < sampleTimes.length; s++) if ((sampleTimes[s] as number) > score.atMs) decayTo(sampleTimes[s] as number);
  if (endMs > (points.at(-1)?.atMs ?? -Infinity)) decayTo(endMs);
  return points;
}

/** The score now: stored as of its last event, it decays with the cadence's half-life. Rounded to 2 decimals. */
export function scoreNow(
  lead: { score: number; scoreAt: Date | null; scoreHalfLifeMs: number | null },
  nowMs: number,
): number {
  if (lead.scoreAt === null || lead.scoreHalfLifeMs === null) return lead.score;
  return (
    Math.round(scoreValueAt({ value: lead.score, atMs: lead.scoreAt.getTime() }, nowMs, lead.scoreHalfLifeMs) * 100) /
    100
  );
}
