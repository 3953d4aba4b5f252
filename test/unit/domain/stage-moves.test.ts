import { describe, expect, it } from 'vitest';
import { STAGES } from '../../../domain/lead.ts';
import { isReopenMove, manualMovesFrom, reopenRefusal, stageMoveAllowed } from '../../../domain/stage-moves.ts';

describe('stageMoveAllowed', () => {
  it('lets a marketer close a lead from every open stage', () => {
    for (const from of STAGES.filter((s) => s !== 'closed')) expect(stageMoveAllowed(from, 'closed')).toBe(true);
  });

  it('opens a deal from nurturing and gives a deal up back to nurturing', () => {
    expect(stageMoveAllowed('nurturing', 'deal')).toBe(true);
    expect(stageMoveAllowed('deal', 'nurturing')).toBe(true);
    expect(stageMoveAllowed('reactivation', 'deal')).toBe(true);
  });

  it('refuses moves that belong to the CRM and a move to the same stage', () => {
    expect(stageMoveAllowed('deal', 'customer')).toBe(false);
    expect(stageMoveAllowed('customer', 'dormant')).toBe(false);
    expect(stageMoveAllowed('customer', 'reactivation')).toBe(false);
    expect(stageMoveAllowed('nurturing', 'nurturing')).toBe(false);
  });

  it('reopens a dormant or closed lead only into reactivation', () => {
    expect(stageMoveAllowed('dormant', 'reactivation')).toBe(true);
    expect(manualMovesFrom('closed')).toEqual(['reactivation']);
    expect(isReopenMove('closed', 'reactivation')).toBe(true);
    expect(isReopenMove('nurturing', 'deal')).toBe(false);
  });

  it('refuses to reopen a lead that unsubscribed or asked not to be contacted', () => {
    expect(reopenRefusal({ doNotContact: true, unsubscribed: false })).toBe('do_not_contact');
    expect(reopenRefusal({ doNotContact: false, unsubscribed: true })).toBe('unsubscribed');
    expect(reopenRefusal({ doNotContact: false, unsubscribed: false })).toBeUndefined();
  });
});
