import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a signed link in an email does. */
export type TokenPurpose = 'unsubscribe' | 'open' | 'click';

/** What a token carries: the lead, the delivery it came in, and for clicks the one URL allowed. */
export interface TokenPayload {
  /** purpose */
  p: TokenPurpose;
  /** lead id */
  l: string;
  /**
   * the delivery's idempotency key, so an open, click or unsubscribe names the email it
   * came from (unsubscribe tokens signed before 2026-12 have none, and stay valid)
   */
  d?: string | undefined;
  /** the click's destination, exactly as the template had it */
  u?: string | undefined;
}

const sign = (secret: string, body: string): Buffer => createHmac('sha256', secret).update(body).digest();

/**
 * `<base64url JSON>.<base64url HMAC-SHA256>` with APP_SECRET. Tokens do not expire: an
 * email may be opened, or unsubscribed from, years after it was sent.
 */
export function signToken(secret: string, payload: TokenPayload): string {
  const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
  return `${body}.${sign(secret, body).toString('base64url')}`;
}

/** The payload of a token signed with `secret` for `purpose`, or undefined for anything forged, altered or misused. */
export function verifyToken(secret: string, token: string, purpose: TokenPurpose): TokenPayload | undefined {
  const [body, mac, extra] = token.split('.');
  if (!body || !mac || extra !== undefined || token.length > 4096) return undefined;
  const expected = sign(secret, body);
  const given = Buffer.from(mac, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as TokenPayload;
    return payload.p === purpose && typeof payload.l === 'string' ? payload : undefined;
  } catch {
    return undefined;
  }
}
