import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../config/env.ts';

const errorFor = (env: Record<string, string>): ConfigError => {
  try {
    loadConfig(env, '/srv');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
};

describe('configuration of replies and consent', () => {
  it('reads nothing from IMAP, sets no Reply-To and requires no consent by default', () => {
    const config = loadConfig({}, '/srv');
    expect(config.imap).toBeUndefined();
    expect(config.replyAddress).toBeUndefined();
    expect(config.consentRequired).toBe(false);
    expect(config.consentDefaults).toEqual({});
  });

  it('reads the mailbox, account and interval from IMAP_URL and IMAP_POLL_SECONDS', () => {
    expect(
      loadConfig(
        { IMAP_URL: 'imaps://replies%40example.jp:p%40ss@mail.example.jp/Replies', IMAP_POLL_SECONDS: '30' },
        '/srv',
      ).imap,
    ).toEqual({
      host: 'mail.example.jp',
      port: 993,
      secure: true,
      user: 'replies@example.jp',
      password: 'p@ss',
      mailbox: 'Replies',
      pollSeconds: 30,
    });
    expect(loadConfig({ IMAP_URL: 'imap://u:p@127.0.0.1:1143' }, '/srv').imap).toMatchObject({
      port: 1143,
      secure: false,
      mailbox: 'INBOX',
      pollSeconds: 60,
    });
  });

  it('names the variable when IMAP_URL, REPLY_ADDRESS, CONSENT_REQUIRED or CONSENT_DEFAULTS is wrong', () => {
    expect(errorFor({ IMAP_URL: 'https://mail.example.jp' }).variable).toBe('IMAP_URL');
    expect(errorFor({ IMAP_URL: 'imaps://mail.example.jp' }).variable).toBe('IMAP_URL');
    expect(errorFor({ IMAP_URL: 'imap://u:p@h', IMAP_POLL_SECONDS: '0' }).variable).toBe('IMAP_POLL_SECONDS');
    expect(errorFor({ REPLY_ADDRESS: 'replies+x@example.jp' }).variable).toBe('REPLY_ADDRESS');
    expect(errorFor({ REPLY_ADDRESS: 'not an address' }).variable).toBe('REPLY_ADDRESS');
    expect(errorFor({ CONSENT_REQUIRED: 'maybe' }).variable).toBe('CONSENT_REQUIRED');
    expect(errorFor({ CONSENT_DEFAULTS: 'zoho:purchased' }).variable).toBe('CONSENT_DEFAULTS');
    expect(errorFor({ CONSENT_DEFAULTS: 'salesforce:opt_in' }).variable).toBe('CONSENT_DEFAULTS');
    expect(errorFor({ CONSENT_DEFAULTS: 'zoho:opt_in,zoho:existing_customer' }).message).toBe(
      'CONSENT_DEFAULTS: names "zoho" twice: give each source one basis',
    );
    expect(errorFor({ CONSENT_DEFAULTS: 'zoho' }).message).toContain('is not <source>:<basis>');
  });

  it('reads per-source consent defaults', () => {
    expect(
      loadConfig(
        { CONSENT_REQUIRED: 'true', CONSENT_DEFAULTS: 'zoho:existing_customer, hubspot:business_card' },
        '/srv',
      ),
    ).toMatchObject({
      consentRequired: true,
      consentDefaults: { zoho: 'existing_customer', hubspot: 'business_card' },
    });
  });
});
