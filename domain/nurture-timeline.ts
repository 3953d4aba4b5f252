import type { Cadence } from './cadence.ts';
import { addDuration } from './duration.ts';
import { earliestTouchTime, type TouchDelay } from './touch-timing.ts';

/** One touch a new lead would get, as the cadence preview shows it. */
export interface PlannedTouch {
  /** When the touch would go out. */
  atMs: number;
  /** When its wait ended; earlier than `atMs` when the send window or the cap held it. */
  dueMs: number;
  /** Its index in `nurture.steps`. */
  step: number;
  channel: 'email' | 'dm' | 'task';
  template: string | null;
  delayedBy: TouchDelay[];
}

/**
 * When the nurture touches of `cadence` would land for a lead that starts at `startMs` in
 * `timeZone`, at most `count` of them. It plays the workflow's own rules (touches.ts): each
 * step waits its `after` from the previous touch (from the start for the first), counted
 * in the lead's zone, then is held for the frequency cap and the send window (business
 * days, Japanese holidays and the year-end break). It assumes the lead stays in nurturing
 * and is never paused: events and stage changes are what the preview cannot know.
 */
export function plannedNurtureTouches(
  cadence: Pick<Cadence, 'nurture' | 'sendWindow' | 'frequencyCap'>,
  options: { startMs: number; timeZone: string; count: number },
): PlannedTouch[] {
  const { steps, repeat = false } = cadence.nurture;
  const touches: PlannedTouch[] = [];
  const recentTouchesMs: number[] = [];
  let fromMs = options.startMs;
  for (let n = 0; touches.length < options.count; n++) {
    if (n >= steps.length && !repeat) break;
    const index = n % steps.length;
    const step = steps[index];
    if (!step) break;
    const dueMs = addDuration(fromMs, step.after, options.timeZone);
    const { atMs, delayedBy } = earliestTouchTime(dueMs, {
      window: cadence.sendWindow,
      cap: cadence.frequencyCap,
      recentTouchesMs,
      timeZone: options.timeZone,
    });
    touches.push({ atMs, dueMs, step: index, channel: step.channel, template: step.template ?? null, delayedBy });
    recentTouchesMs.push(atMs);
    fromMs = atMs;
  }
  return touches;
}
