import { describe, expect, it } from 'vitest';
import { headerOf, seededRandom } from '../../../chaos/flaky-smtp.ts';
import { checkLedger, stepOfSubject, type DeliveryRow } from '../../../chaos/ledger.ts';

const accepted = (recipient: string, step: number, messageId = `<${recipient}-${step}@x>`) => ({
  recipient,
  subject: `chaos ${step} L1`,
  messageId,
  atMs: 0,
});
const row = (recipient: string, step: number, status = 'sent'): DeliveryRow => ({
  recipient,
  step,
  status,
  messageId: `<${recipient}-${step}@x>`,
});

describe('checkLedger', () => {
  const expected = [
    { recipient: 'a@x.jp', step: 1 },
    { recipient: 'a@x.jp', step: 2 },
    { recipient: 'b@x.jp', step: 1 },
  ];

  it('counts every due touch delivered once as delivered, with nothing lost or duplicated', () => {
    const figures = checkLedger(
      expected,
      [accepted('a@x.jp', 1), accepted('a@x.jp', 2), accepted('b@x.jp', 1)],
      [row('a@x.jp', 1), row('a@x.jp', 2), row('b@x.jp', 1)],
    );
    expect(figures).toMatchObject({
      expected: 3,
      delivered: 3,
      lost: 0,
      duplicatesByMessageId: 0,
      duplicatesByLeadStep: 0,
      unexpected: 0,
      messageIdMismatches: 0,
    });
  });

  it('counts a touch accepted twice as a duplicate by Message-ID and by lead and step', () => {
    const figures = checkLedger(
      expected,
      [accepted('a@x.jp', 1), accepted('a@x.jp', 1), accepted('a@x.jp', 2), accepted('b@x.jp', 1)],
      [row('a@x.jp', 1), row('a@x.jp', 2), row('b@x.jp', 1)],
    );
    expect(figures).toMatchObject({ delivered: 3, duplicatesByMessageId: 1, duplicatesByLeadStep: 1 });
  });

  it('catches a repeat sent under a new Message-ID by lead and step, and as a mismatch', () => {
    const figures = checkLedger(
      expected,
      [accepted('a@x.jp', 1), accepted('a@x.jp', 1, '<other@x>'), accepted('a@x.jp', 2), accepted('b@x.jp', 1)],
      [row('a@x.jp', 1), row('a@x.jp', 2), row('b@x.jp', 1)],
    );
    expect(figures).toMatchObject({ duplicatesByMessageId: 0, duplicatesByLeadStep: 1, messageIdMismatches: 1 });
  });

  it('counts a touch the sink never accepted as lost, and says whether the engine had it in doubt', () => {
    const figures = checkLedger(
      expected,
      [accepted('a@x.jp', 1)],
      [row('a@x.jp', 1), row('a@x.jp', 2, 'unknown'), row('b@x.jp', 1, 'pending')],
    );
    expect(figures).toMatchObject({ delivered: 1, lost: 2, lostInDoubt: 1 });
  });

  it('counts a message to nobody expected, such as a refused address, as unexpected', () => {
    const figures = checkLedger(
      expected,
      [accepted('a@x.jp', 1), accepted('a@x.jp', 2), accepted('b@x.jp', 1), accepted('bounce-c@x.jp', 1)],
      [],
    );
    expect(figures.unexpected).toBe(1);
  });
});

describe('the sink helpers', () => {
  it('reads the step from a chaos subject and nothing from another', () => {
    expect(stepOfSubject('chaos 2 L17')).toBe(2);
    expect(stepOfSubject('hello')).toBeUndefined();
  });

  it('reads a folded header case-insensitively', () => {
    expect(headerOf('From: a\r\nmessage-id:\r\n <abc@x>\r\nSubject: s', 'Message-ID')).toBe('<abc@x>');
  });

  it('replays the same faults from the same seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    const draws = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(draws);
    expect(draws.every((d) => d >= 0 && d < 1)).toBe(true);
  });
});
