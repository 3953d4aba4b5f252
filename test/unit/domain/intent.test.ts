import { describe, expect, it } from 'vitest';
import { intentEscalationKind } from '../../../domain/intent.ts';

describe('intentEscalationKind', () => {
  it('escalates a dormant former customer’s meeting request or reply as reactivation', () => {
    expect(intentEscalationKind('meeting_request', 'dormant', 0, 50)).toBe('reactivation');
    expect(intentEscalationKind('reply', 'dormant', 0, 50)).toBe('reactivation');
  });

  it('escalates a customer’s as upsell, whatever the score', () => {
    expect(intentEscalationKind('reply', 'customer', 3, 50)).toBe('upsell');
  });

  it('escalates a lead in a deal or already at or above the threshold as repeat intent', () => {
    expect(intentEscalationKind('meeting_request', 'nurturing', 50, 50)).toBe('repeat_intent');
    expect(intentEscalationKind('meeting_request', 'deal', 80, 50)).toBe('repeat_intent');
    expect(intentEscalationKind('reply', 'deal', 10, 50)).toBe('repeat_intent');
  });

  it('leaves a lead below the threshold, other events and closed leads to the score', () => {
    expect(intentEscalationKind('meeting_request', 'nurturing', 49, 50)).toBeUndefined();
    expect(intentEscalationKind('email_click', 'dormant', 0, 50)).toBeUndefined();
    expect(intentEscalationKind('reply', 'closed', 90, 50)).toBeUndefined();
    expect(intentEscalationKind('reply', 'nurturing', 90, undefined)).toBeUndefined();
  });
});
