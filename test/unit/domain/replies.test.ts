import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAutoReply, referencedMessageIds, REPLY_TEXT_MAX, replyText } from '../../../domain/replies.ts';

const headers = (entries: Record<string, string>) =>
  new Map(Object.entries(entries).map(([name, value]) => [name.toLowerCase(), [value]]));

describe('replies: matching, automatic answers and the text kept', () => {
  it('lists the parent first, then References from the newest, without brackets or repeats', () => {
    expect(referencedMessageIds(headers({ 'In-Reply-To': '<c@x>', References: '<a@x> <b@x>\r\n <c@x>' }))).toEqual([
      'c@x',
      'b@x',
      'a@x',
    ]);
    expect(referencedMessageIds(headers({}))).toEqual([]);
  });

  it('tells automatic answers by RFC 3834, the X-Autoreply family, Precedence and subject', () => {
    expect(isAutoReply(headers({ 'Auto-Submitted': 'auto-replied' }), 'Re: seminar')).toBe(true);
    expect(isAutoReply(headers({ 'Auto-Submitted': 'no' }), 'Re: seminar')).toBe(false);
    expect(isAutoReply(headers({ 'X-Autoreply': 'yes' }), 'Re: seminar')).toBe(true);
    expect(isAutoReply(headers({ Precedence: 'auto_reply' }), 'Re: seminar')).toBe(true);
    expect(isAutoReply(headers({}), 'Out of Office: seminar')).toBe(true);
    expect(isAutoReply(headers({}), '自動返信: セミナーのご案内')).toBe(true);
    expect(isAutoReply(headers({}), '【不在のお知らせ】')).toBe(true);
    expect(isAutoReply(headers({}), 'Re: セミナーのご案内')).toBe(false);
  });

  it('keeps what the person wrote and drops the quoted original of English and Japanese clients', () => {
    expect(replyText('Yes, please.\n\nOn Tue, Dec 1, 2026 at 10:00 AM Example <m@example.com> wrote:\n> hi')).toBe(
      'Yes, please.',
    );
    expect(replyText('参加します。\r\n\r\n2026年12月1日(火) 10:00 Example <m@example.com>:\r\n> ご案内')).toBe(
      '参加します。',
    );
    expect(replyText('承知しました。\n-----Original Message-----\nFrom: m@example.com')).toBe('承知しました。');
    expect(replyText('了解です。\n\n差出人: Example <m@example.com>\n件名: ご案内')).toBe('了解です。');
    expect(replyText('inline\n> quoted\nanswer\n-- \nsignature')).toBe('inline\nanswer');
    expect(replyText('> only a quote')).toBe('');
  });

  it('never keeps more than the bound, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 5000 }), (text) => {
        expect(replyText(text).length).toBeLessThanOrEqual(REPLY_TEXT_MAX);
      }),
    );
    expect(replyText('あ'.repeat(REPLY_TEXT_MAX + 10))).toHaveLength(REPLY_TEXT_MAX);
  });
});
