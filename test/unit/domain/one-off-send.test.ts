import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BROADCAST_ACTIONS, broadcastDeliveryKey } from '../../../domain/broadcasts.ts';
import { STAGES } from '../../../domain/lead.ts';
import { decideOneOffSend, ONE_OFF_STAGES, type OneOffLead } from '../../../domain/one-off-send.ts';
import { isInsideWindow, nextOpening } from '../../../domain/send-window.ts';

const DAY = 86_400_000;
// Tuesday 1 December 2026, 10:00 in Tokyo.
const NOW = Date.parse('2026-12-01T01:00:00Z');
const WINDOW = { timezone: 'Asia/Tokyo', businessDays: true, from: '09:00', to: '18:00' };

const lead = (over: Partial<OneOffLead> = {}): OneOffLead => ({
  stage: 'nurturing',
  paused: false,
  doNotContact: false,
  emailSuppressed: false,
  emailBlocked: false,
  reachedMs: [],
  timeZone: 'Asia/Tokyo',
  rules: { sendWindow: WINDOW, frequencyCap: { max: 2, per: 'P30D' }, minGap: 'P7D' },
  ...over,
});

describe('a broadcast email in a lead’s lifecycle', () => {
  it('goes out at once inside the window when the cap and the gap have room', () => {
    expect(decideOneOffSend(lead({ reachedMs: [NOW - 10 * DAY] }), NOW)).toEqual({ kind: 'send' });
  });

  it('is held until the window opens, outside business hours and on a weekend', () => {
    const evening = Date.parse('2026-12-04T10:00:00Z'); // Friday 19:00 in Tokyo
    expect(decideOneOffSend(lead(), evening)).toEqual({
      kind: 'hold',
      untilMs: Date.parse('2026-12-07T00:00:00Z'), // Monday 09:00
    });
  });

  it('is skipped, not queued, when the frequency cap or the minimum gap has no room', () => {
    expect(decideOneOffSend(lead({ reachedMs: [NOW - 20 * DAY, NOW - 10 * DAY] }), NOW)).toEqual({
      kind: 'skip',
      reason: 'frequency_cap',
    });
    expect(decideOneOffSend(lead({ reachedMs: [NOW - 2 * DAY] }), NOW)).toEqual({ kind: 'skip', reason: 'min_gap' });
  });

  it('is skipped for do-not-contact, a suppressed address, no consent and a pause, in that order', () => {
    const all = { doNotContact: true, emailSuppressed: true, emailBlocked: true, paused: true };
    expect(decideOneOffSend(lead(all), NOW)).toEqual({ kind: 'skip', reason: 'do_not_contact' });
    expect(decideOneOffSend(lead({ ...all, doNotContact: false }), NOW)).toEqual({
      kind: 'skip',
      reason: 'email_suppressed',
    });
    expect(decideOneOffSend(lead({ emailBlocked: true, paused: true }), NOW)).toEqual({
      kind: 'skip',
      reason: 'no_consent',
    });
    expect(decideOneOffSend(lead({ paused: true }), NOW)).toEqual({ kind: 'skip', reason: 'paused' });
  });

  it('is skipped for a lead in a stage that receives no marketing email', () => {
    for (const stage of ['deal', 'dormant', 'closed'] as const)
      expect(decideOneOffSend(lead({ stage }), NOW)).toEqual({ kind: 'skip', reason: 'stage' });
  });

  it('never sends outside the window nor over the cap, whatever the lead and the time (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...STAGES),
        fc.integer({ min: 0, max: 365 * DAY }),
        fc.array(fc.integer({ min: 0, max: 60 * DAY }), { maxLength: 5 }),
        fc.integer({ min: 1, max: 3 }),
        (stage, offset, ago, max) => {
          const now = NOW + offset;
          const reachedMs = ago.map((a) => now - a).sort((a, b) => a - b);
          const decision = decideOneOffSend(
            lead({ stage, reachedMs, rules: { sendWindow: WINDOW, frequencyCap: { max, per: 'P30D' } } }),
            now,
          );
          if (decision.kind === 'send') {
            expect(ONE_OFF_STAGES.has(stage)).toBe(true);
            expect(isInsideWindow(now, WINDOW)).toBe(true);
            expect(reachedMs.filter((x) => x > now - 30 * DAY).length).toBeLessThan(max);
          }
          if (decision.kind === 'hold') expect(decision.untilMs).toBe(nextOpening(now, WINDOW));
        },
      ),
    );
  });
});

describe('broadcast names and states', () => {
  it('derives the delivery key from the lead’s workflow and the broadcast alone', () => {
    expect(broadcastDeliveryKey('lead-1', 'b-1')).toBe('lead-1/broadcast/b-1');
  });

  it('lets a cancelled or completed broadcast be neither paused, resumed nor cancelled', () => {
    for (const rule of Object.values(BROADCAST_ACTIONS)) {
      expect(rule.from).not.toContain('cancelled');
      expect(rule.from).not.toContain('completed');
    }
  });
});
