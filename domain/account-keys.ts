import { companyDisplayName, companyKey } from './company-name.ts';
import { isFreeMailDomain } from './free-mail-domains.ts';

/** What ties a lead to an account: its normalised company name and its corporate mail domain. */
export interface AccountKeys {
  /** `name:<key>` and `domain:<domain>`, each present when the lead has one; empty when it has neither. */
  keys: string[];
  /** The name a new account is shown by: the lead's company as written, else its domain. */
  displayName: string | null;
  /** The corporate domain, when the address is not free mail. */
  domain: string | null;
}

/** The lower-cased domain of an address, or undefined for something without one. */
export function emailDomain(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 0 || at === email.length - 1) return undefined;
  return email
    .slice(at + 1)
    .toLowerCase()
    .replace(/\.$/u, '');
}

/**
 * The keys that put a lead into an account. A lead with a company name has a `name:` key;
 * a lead writing from a corporate domain has a `domain:` key (free-mail domains have
 * none). A lead holding both links them: two spellings the normaliser cannot join
 * ("トヨタ自動車" and "Toyota Motor") still land in one account when their addresses share
 * a corporate domain (docs/accounts.md). A lead with neither key has no account.
 */
export function accountKeysOf(company: string | null | undefined, email: string): AccountKeys {
  const name = companyKey(company);
  const rawDomain = emailDomain(email);
  const domain = rawDomain !== undefined && !isFreeMailDomain(rawDomain) ? rawDomain : undefined;
  const keys = [...(name === undefined ? [] : [`name:${name}`]), ...(domain === undefined ? [] : [`domain:${domain}`])];
  const displayName =
    name !== undefined && company !== null && company !== undefined ? companyDisplayName(company) : (domain ?? null);
  return { keys, displayName, domain: domain ?? null };
}
