import { createHmac, timingSafeEqual } from 'node:crypto';

// The token lives in an address's local part, which may be at most 64 characters and
// which some mail systems lower-case: so hex and base32-like digits only, and short. The
// lead id (a UUID's 32 hex digits) and 12 hex digits (48 bits) of HMAC-SHA256.
const MAC_DIGITS = 12;

const macOf = (secret: string, leadHex: string): string =>
  createHmac('sha256', secret).update(`reply:${leadHex}`).digest('hex').slice(0, MAC_DIGITS);

/** `replies@example.jp` and a lead: `replies+<lead hex><mac>@example.jp`, the Reply-To of the lead's email. */
export function replyAddressFor(replyAddress: string, secret: string, leadId: string): string {
  const at = replyAddress.lastIndexOf('@');
  const leadHex = leadId.replace(/-/g, '').toLowerCase();
  return `${replyAddress.slice(0, at)}+${leadHex}${macOf(secret, leadHex)}${replyAddress.slice(at)}`;
}

/**
 * The lead a recipient address names, when it is `replyAddress` with a token signed with
 * `secret`; undefined for any other address, or a token forged or altered.
 */
export function leadOfReplyAddress(replyAddress: string, secret: string, address: string): string | undefined {
  const at = replyAddress.lastIndexOf('@');
  const [local, domain] = [replyAddress.slice(0, at).toLowerCase(), replyAddress.slice(at + 1).toLowerCase()];
  const match = /^([^@]+)\+([0-9a-f]{32})([0-9a-f]{12})@(.+)$/i.exec(address.trim());
  if (!match || match[1]!.toLowerCase() !== local || match[4]!.toLowerCase() !== domain) return undefined;
  const leadHex = match[2]!.toLowerCase();
  const given = Buffer.from(match[3]!.toLowerCase());
  const expected = Buffer.from(macOf(secret, leadHex));
  if (!timingSafeEqual(given, expected)) return undefined;
  return `${leadHex.slice(0, 8)}-${leadHex.slice(8, 12)}-${leadHex.slice(12, 16)}-${leadHex.slice(16, 20)}-${leadHex.slice(20)}`;
}
