import { describe, expect, it } from 'vitest';
import { STAGES } from '../../../domain/lead.ts';
import { manualMovesFrom, stageMoveAllowed } from '../../../domain/stage-moves.ts';

describe('stageMoveAllowed', () => {
  it('lets a marketer close a lead from every open stage', () => {
    for (const from of STAGES.filter((s) => s !== 'closed')) expect(stageMoveAllowed(from, 'closed')).toBe(true);
  });

  it('opens a deal from nurturing and gives a deal up back to nurturing', () => {
    expect(stageMoveAllowed('nurturing', 'deal')).toBe(true);
    expect(stageMoveAllowed('deal', 'nurturing')).toBe(true);
    expect(stageMoveAllowed('reactivation', 'deal')).toBe(true);
  });

  it('refuses moves that belong to the CRM, a move to the same stage, and reopening a closed lead', () => {
    expect(stageMoveAllowed('deal', 'customer')).toBe(false);
    expect(stageMoveAllowed('customer', 'dormant')).toBe(false);
    expect(stageMoveAllowed('nurturing', 'nurturing')).toBe(false);
    expect(manualMovesFrom('closed')).toEqual([]);
  });
});
