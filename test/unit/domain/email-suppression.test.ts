import { describe, expect, it } from 'vitest';
import { suppressionCause, suppressionMessage } from '../../../domain/email-suppression.ts';

describe('why email to a lead is suppressed', () => {
  it('reads every reason the suppression list is written with as a cause', () => {
    expect(suppressionCause('unsubscribed')).toBe('unsubscribed');
    expect(suppressionCause('unsubscribed via zoho')).toBe('unsubscribed_crm');
    expect(suppressionCause('unsubscribed via hubspot')).toBe('unsubscribed_crm');
    expect(suppressionCause('unsubscribed via CRM')).toBe('unsubscribed_crm');
    expect(suppressionCause('complaint')).toBe('complaint');
    expect(suppressionCause('hard bounce')).toBe('hard_bounce');
    expect(suppressionCause('do not contact')).toBe('do_not_contact');
    expect(suppressionCause('added by hand')).toBe('other');
  });

  it('says an opt-out of email leaves paper mail and tasks, naming the CRM it came from', () => {
    expect(suppressionMessage('unsubscribed via zoho', 'en')).toBe(
      'No email (unsubscribed in Zoho CRM); touches go on by paper DM and tasks',
    );
    expect(suppressionMessage('unsubscribed via CRM', 'en')).toBe(
      'No email (unsubscribed in the CRM); touches go on by paper DM and tasks',
    );
    expect(suppressionMessage('unsubscribed via hubspot', 'ja')).toBe(
      'メールは送りません (HubSpot で配信停止)。DM とタスクで接触を続けます',
    );
    expect(suppressionMessage('complaint', 'en')).toBe(
      'No email (reported an email as spam); touches go on by paper DM and tasks',
    );
  });

  it('says do-not-contact leaves nothing', () => {
    expect(suppressionMessage('do not contact', 'en')).toBe('No email and no DM: do not contact');
    expect(suppressionMessage('do not contact', 'ja')).toBe('メールもDMも送りません: 連絡禁止');
  });
});
