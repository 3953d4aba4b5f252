import { describe, expect, it } from 'vitest';
import { accountKeysOf, emailDomain } from '../../../domain/account-keys.ts';
import { isFreeMailDomain } from '../../../domain/free-mail-domains.ts';

describe('accountKeysOf', () => {
  it('keys a lead by its normalised company name and its corporate domain', () => {
    expect(accountKeysOf('株式会社サンプル', 'taro@Sample.co.jp')).toEqual({
      keys: ['name:サンプル', 'domain:sample.co.jp'],
      displayName: '株式会社サンプル',
      domain: 'sample.co.jp',
    });
  });

  it('groups a lead with no company by its corporate domain, shown by the domain', () => {
    expect(accountKeysOf(undefined, 'hanako@example.jp')).toEqual({
      keys: ['domain:example.jp'],
      displayName: 'example.jp',
      domain: 'example.jp',
    });
  });

  it('never groups by a free-mail domain', () => {
    for (const email of [
      'a@gmail.com',
      'b@yahoo.co.jp',
      'c@outlook.jp',
      'd@icloud.com',
      'e@docomo.ne.jp',
      'f@ezweb.ne.jp',
      'g@i.softbank.jp',
      'h@xa2.so-net.ne.jp',
    ]) {
      expect(accountKeysOf(undefined, email).keys, email).toEqual([]);
      expect(accountKeysOf('サンプル', email).keys, email).toEqual(['name:サンプル']);
    }
  });

  it('gives a lead with neither a company nor a corporate domain no account', () => {
    expect(accountKeysOf('株式会社', 'x@gmail.com')).toEqual({ keys: [], displayName: null, domain: null });
  });
});

describe('isFreeMailDomain', () => {
  it('covers subdomains of a listed domain but not look-alikes', () => {
    expect(isFreeMailDomain('abc.biglobe.ne.jp')).toBe(true);
    expect(isFreeMailDomain('GMAIL.COM')).toBe(true);
    expect(isFreeMailDomain('notgmail.com')).toBe(false);
    expect(isFreeMailDomain('gmail.com.example.jp')).toBe(false);
  });
});

describe('emailDomain', () => {
  it('is the lower-cased part after the last @', () => {
    expect(emailDomain('"a@b"@Example.JP')).toBe('example.jp');
    expect(emailDomain('nobody')).toBeUndefined();
  });
});
