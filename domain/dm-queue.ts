import type { Stage } from './lead.ts';

/** What a lead's change does to its DM tasks not yet posted. */
export type DmQueueMove = { action: 'cancel' | 'hold' | 'release'; reason: string };

/**
 * The DM queue follows the lead (issue 11, item 7). A lead that closes (do-not-contact, not
 * a reactivation target, by hand; an unsubscribe closed it before email-only unsubscribes)
 * has its unposted DM tasks cancelled; an unsubscribe from email leaves them; a lead
 * entering a deal has them held, since sales now talks to it; when the deal ends they are
 * released if the lead goes back to nurturing (the letter is still what it should read),
 * and cancelled if it became a customer (a nurture catalogue is the wrong letter to a new
 * customer). `reason` is the stage change's own reason where it has one.
 */
export function dmQueueMoveFor(from: Stage, to: Stage, reason: string | undefined): DmQueueMove | null {
  if (to === 'closed') return { action: 'cancel', reason: reason ?? 'closed' };
  if (to === 'deal') return { action: 'hold', reason: 'in a deal' };
  if (from !== 'deal') return null;
  if (to === 'customer') return { action: 'cancel', reason: 'became a customer' };
  return { action: 'release', reason: `deal ended: back to ${to}` };
}
