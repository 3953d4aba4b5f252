import { describe, expect, it } from 'vitest';
import { dmQueueMoveFor } from '../../../domain/dm-queue.ts';
import { STAGES } from '../../../domain/lead.ts';

describe('dmQueueMoveFor', () => {
  it('cancels unposted letters when a lead closes, whatever it was, with the reason of the move', () => {
    for (const from of STAGES.filter((s) => s !== 'closed')) {
      expect(dmQueueMoveFor(from, 'closed', 'unsubscribed')).toEqual({ action: 'cancel', reason: 'unsubscribed' });
    }
    expect(dmQueueMoveFor('nurturing', 'closed', undefined)).toEqual({ action: 'cancel', reason: 'closed' });
  });

  it('holds letters while the lead is in a deal', () => {
    expect(dmQueueMoveFor('nurturing', 'deal', 'score reached the threshold')).toEqual({
      action: 'hold',
      reason: 'in a deal',
    });
    expect(dmQueueMoveFor('reactivation', 'deal', undefined)).toEqual({ action: 'hold', reason: 'in a deal' });
  });

  it('releases them when a deal ends back in nurturing, and cancels them when it was won', () => {
    expect(dmQueueMoveFor('deal', 'nurturing', 'lost')).toEqual({
      action: 'release',
      reason: 'deal ended: back to nurturing',
    });
    expect(dmQueueMoveFor('deal', 'customer', 'deal won')).toEqual({ action: 'cancel', reason: 'became a customer' });
  });

  it('leaves the queue alone on moves between the other stages', () => {
    expect(dmQueueMoveFor('customer', 'dormant', 'contract ended: budget')).toBeNull();
    expect(dmQueueMoveFor('dormant', 'reactivation', undefined)).toBeNull();
    expect(dmQueueMoveFor('reactivation', 'nurturing', undefined)).toBeNull();
  });
});
