import { type PauseSpan, type PlanCadence, planNextTouch, type PlannedTouch } from './touch-plan.ts';
import type { LeadReach } from './touch-channel.ts';

/** A lead's life as the preview and the property tests assume it: no events, known pauses. */
export interface SimulationInput {
  cadence: PlanCadence;
  timeZone: string;
  startMs: number;
  /** Stop before this instant. */
  untilMs: number;
  /** Stop after this many touches. */
  maxTouches?: number;
  lead: LeadReach;
  pauses?: readonly PauseSpan[];
}

/**
 * Every touch the planner would make from `startMs` until `untilMs`, in order, made the way
 * the workflow makes them: each plan starts from the last touch's time, and a touch that
 * reaches the lead counts for the cap, the minimum gap and the guarantee.
 */
export function simulateTouches(input: SimulationInput): PlannedTouch[] {
  const touches: PlannedTouch[] = [];
  const reachedMs: number[] = [];
  const pauses = input.pauses ?? [];
  let stepIndex = 0;
  let previousDueMs = input.startMs;
  let nowMs = input.startMs;
  const max = input.maxTouches ?? Number.POSITIVE_INFINITY;
  while (touches.length < max) {
    const touch = planNextTouch({
      cadence: input.cadence,
      timeZone: input.timeZone,
      nowMs,
      stepIndex,
      previousDueMs,
      reachedMs,
      pauses,
      lead: input.lead,
    });
    if (!touch || touch.atMs === null || touch.atMs >= input.untilMs) break;
    touches.push(touch);
    nowMs = touch.atMs;
    if (touch.reaches && !touch.skip) reachedMs.push(touch.atMs);
    if (touch.kind === 'step') {
      stepIndex = touch.nextStepIndex;
      previousDueMs = touch.dueAtMs;
    }
  }
  return touches;
}
