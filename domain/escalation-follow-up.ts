/** The signal that tells an escalation's follow-up workflow it was acknowledged. */
export const ESCALATION_ACKED_SIGNAL = 'escalationAcked';

/** The follow-up workflow's id: one per escalation, so it is started once however often asked. */
export const escalationFollowUpId = (escalationId: string): string => `escalation-${escalationId}`;
