import { createHmac, timingSafeEqual, verify } from 'node:crypto';
import type pg from 'pg';
import { claimSignatureToken } from '../db/repositories/webhook-signature-tokens.ts';
import { HttpError } from './http-errors.ts';

// How old a signed request may be: enough for a provider's retries to arrive late, short
// enough that a captured request is of little use to replay.
/** The most seconds between a provider's signature timestamp and now. */
export const MAX_SIGNATURE_AGE_S = 15 * 60;

/** Whether `signature` (base64 DER ECDSA) signs `data` under `publicKey` (base64 DER SPKI); a malformed key or signature is simply invalid. */
function verifiesEcdsa(publicKey: string, data: Buffer, signature: string): boolean {
  try {
    return verify(
      'sha256',
      data,
      { key: Buffer.from(publicKey, 'base64'), format: 'der', type: 'spki' },
      Buffer.from(signature, 'base64'),
    );
  } catch {
    return false;
  }
}

/**
 * Mailgun's signature (delivery webhooks and routes alike): HMAC-SHA256 of timestamp and
 * token with the webhook signing key, recent, and its token not seen before (the signature
 * covers neither the report nor the message, so a token is good once). 403 when the key
 * is not configured, 401 otherwise.
 */
export async function checkMailgunSignature(
  db: pg.Pool,
  key: string | undefined,
  given: { timestamp: string; token: string; signature: string },
  what: string,
): Promise<void> {
  if (key === undefined)
    throw new HttpError(403, 'not_configured', `the Mailgun ${what} is off: set MAILGUN_WEBHOOK_SIGNING_KEY`);
  const expected = createHmac('sha256', key)
    .update(given.timestamp + given.token)
    .digest();
  const signature = /^[0-9a-f]{64}$/i.test(given.signature) ? Buffer.from(given.signature, 'hex') : Buffer.alloc(0);
  if (signature.length !== expected.length || !timingSafeEqual(signature, expected))
    throw new HttpError(401, 'bad_signature', 'the Mailgun signature does not match');
  if (
    !/^\d{1,20}$/.test(given.timestamp) ||
    Math.abs(Date.now() / 1000 - Number(given.timestamp)) > MAX_SIGNATURE_AGE_S
  )
    throw new HttpError(401, 'stale_signature', 'the Mailgun timestamp is too old');
  if (!(await claimSignatureToken(db, 'mailgun', given.token, 2 * MAX_SIGNATURE_AGE_S)))
    throw new HttpError(401, 'replayed_signature', 'this Mailgun signature was already used');
}

/**
 * SendGrid's signature (the event webhook and signed Inbound Parse alike): ECDSA over the
 * timestamp header and the raw body with the verification key, recent. 403 when the key
 * is not configured, 401 otherwise.
 */
export function checkSendgridSignature(
  publicKey: string | undefined,
  headers: Record<string, string | string[] | undefined>,
  rawBody: Buffer | undefined,
  what: string,
): void {
  if (publicKey === undefined)
    throw new HttpError(403, 'not_configured', `the SendGrid ${what} is off: set SENDGRID_WEBHOOK_PUBLIC_KEY`);
  const signature = headers['x-twilio-email-event-webhook-signature'];
  const timestamp = headers['x-twilio-email-event-webhook-timestamp'];
  if (typeof signature !== 'string' || typeof timestamp !== 'string')
    throw new HttpError(401, 'bad_signature', 'the SendGrid signature headers are missing');
  const signed = Buffer.concat([Buffer.from(timestamp), rawBody ?? Buffer.alloc(0)]);
  if (!verifiesEcdsa(publicKey, signed, signature))
    throw new HttpError(401, 'bad_signature', 'the SendGrid signature does not match');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_SIGNATURE_AGE_S)
    throw new HttpError(401, 'stale_signature', 'the SendGrid timestamp is too old');
}
