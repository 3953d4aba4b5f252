/**
 * Why a lead was handed to a person: `sales` (its score crossed the threshold), `upsell`
 * (a customer's did, or a customer showed intent), `reactivation` (a dormant former
 * customer asked for a meeting or replied), `repeat_intent` (a lead already above the
 * threshold asked again).
 */
export const ESCALATION_KINDS = ['sales', 'upsell', 'reactivation', 'repeat_intent'] as const;

/** One of {@link ESCALATION_KINDS}. */
export type EscalationKind = (typeof ESCALATION_KINDS)[number];
