import type { Stage } from './lead.ts';

/**
 * The stages a marketer may move a lead to by hand, from each stage. Closing is always
 * possible; a deal can be opened from the nurturing stages and given up back to
 * nurturing; a customer or dormant account is only closed by hand (its other moves come
 * from the CRM: won, contract ended). A dormant account may be reactivated by hand at
 * once, and so may a closed lead, unless it closed because it unsubscribed or asked not to
 * be contacted ({@link reopenRefusal}); a CRM deal reopens any closed lead.
 */
const MANUAL_MOVES: Readonly<Record<Stage, readonly Stage[]>> = {
  nurturing: ['deal', 'closed'],
  reactivation: ['deal', 'nurturing', 'closed'],
  deal: ['nurturing', 'closed'],
  customer: ['closed'],
  dormant: ['reactivation', 'closed'],
  closed: ['reactivation'],
};

/** Whether a lead in stage `from` may be moved to `to` by hand. */
export function stageMoveAllowed(from: Stage, to: Stage): boolean {
  return MANUAL_MOVES[from].includes(to);
}

/** The stages a lead in `from` may be moved to by hand (for error messages and forms). */
export function manualMovesFrom(from: Stage): readonly Stage[] {
  return MANUAL_MOVES[from];
}

/** Why a closed lead may not be reopened by hand, if it may not: it opted out of contact. */
export function reopenRefusal(lead: {
  doNotContact: boolean;
  unsubscribed: boolean;
}): 'do_not_contact' | 'unsubscribed' | undefined {
  if (lead.doNotContact) return 'do_not_contact';
  if (lead.unsubscribed) return 'unsubscribed';
  return undefined;
}

/** Moves by hand added after the first release, which the workflow makes only under a patch. */
export function isReopenMove(from: Stage, to: Stage): boolean {
  return to === 'reactivation' && (from === 'dormant' || from === 'closed');
}
