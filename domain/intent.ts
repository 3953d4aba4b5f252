import type { Stage } from './lead.ts';
import type { EventType } from './scoring.ts';

/** The engagement events that say a person wants to talk: never left to the score alone. */
export const INTENT_EVENTS: readonly EventType[] = ['meeting_request', 'reply'];

/** The escalation an intent event makes (see domain/escalation-kinds.ts). */
export type IntentKind = 'reactivation' | 'upsell' | 'repeat_intent';

/**
 * The escalation a `meeting_request` or `reply` makes, if any: from a dormant former
 * customer `reactivation`, from a customer `upsell`, from a lead in a deal (escalated
 * already) or whose score was already at or above the threshold before the event
 * `repeat_intent` (a crossing from below is the ordinary escalation, not this). A closed
 * lead is not approached, and a lead below the threshold in nurturing or reactivation is
 * left to its score.
 */
export function intentEscalationKind(
  type: EventType,
  stage: Stage,
  scoreBefore: number,
  threshold: number | undefined,
): IntentKind | undefined {
  if (!INTENT_EVENTS.includes(type) || stage === 'closed') return undefined;
  if (stage === 'dormant') return 'reactivation';
  if (stage === 'customer') return 'upsell';
  // Points decay continuously, so a lead escalated by exactly the threshold is below it a
  // moment later: in a deal it has been hot already, and its owner hears of it again.
  if (stage === 'deal') return 'repeat_intent';
  if (threshold !== undefined && scoreBefore >= threshold) return 'repeat_intent';
  return undefined;
}
