import type { Stage } from './lead.ts';

/**
 * The stages a marketer may move a lead to by hand, from each stage. Closing is always
 * possible; a deal can be opened from the nurturing stages and given up back to
 * nurturing; a customer or dormant account is only closed by hand (its other moves come
 * from the CRM: won, contract ended). A closed lead is not reopened by hand: it may have
 * unsubscribed, and only a CRM deal reopens it.
 */
const MANUAL_MOVES: Readonly<Record<Stage, readonly Stage[]>> = {
  nurturing: ['deal', 'closed'],
  reactivation: ['deal', 'nurturing', 'closed'],
  deal: ['nurturing', 'closed'],
  customer: ['closed'],
  dormant: ['closed'],
  closed: [],
};

/** Whether a lead in stage `from` may be moved to `to` by hand. */
export function stageMoveAllowed(from: Stage, to: Stage): boolean {
  return MANUAL_MOVES[from].includes(to);
}

/** The stages a lead in `from` may be moved to by hand (for error messages and forms). */
export function manualMovesFrom(from: Stage): readonly Stage[] {
  return MANUAL_MOVES[from];
}
