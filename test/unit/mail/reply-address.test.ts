import { describe, expect, it } from 'vitest';
import { leadOfReplyAddress, replyAddressFor } from '../../../mail/reply-address.ts';

const SECRET = 'reply-secret-0123456789-abcdefghijkl';
const LEAD = '7738f6c2-62a6-4c61-98d3-f5914f4040a2';

describe('reply addresses carrying a signed lead token', () => {
  it('round-trips the lead, whatever case the mail system gives the address', () => {
    const address = replyAddressFor('replies@example.jp', SECRET, LEAD);
    expect(address.split('@')[0]!.length).toBeLessThanOrEqual(64);
    expect(leadOfReplyAddress('replies@example.jp', SECRET, address)).toBe(LEAD);
    expect(leadOfReplyAddress('replies@example.jp', SECRET, address.toUpperCase())).toBe(LEAD);
  });

  it('refuses an altered token, another secret, another mailbox or a plain address', () => {
    const address = replyAddressFor('replies@example.jp', SECRET, LEAD);
    const altered = address.replace(/([0-9a-f])@/, (_m, d: string) => `${d === '0' ? '1' : '0'}@`);
    expect(leadOfReplyAddress('replies@example.jp', SECRET, altered)).toBeUndefined();
    expect(leadOfReplyAddress('replies@example.jp', `${SECRET}x`, address)).toBeUndefined();
    expect(leadOfReplyAddress('replies@example.jp', SECRET, address.replace('replies', 'other'))).toBeUndefined();
    expect(
      leadOfReplyAddress('replies@example.jp', SECRET, address.replace('example.jp', 'example.com')),
    ).toBeUndefined();
    expect(leadOfReplyAddress('replies@example.jp', SECRET, 'replies@example.jp')).toBeUndefined();
  });
});
