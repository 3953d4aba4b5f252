import { createHmac, timingSafeEqual } from 'node:crypto';

/** How old (or how far ahead) a signed request may be: HubSpot's documented 5 minutes. */
export const MAX_SIGNATURE_AGE_MS = 5 * 60 * 1000;

// HubSpot signs the URI with these characters decoded (its request-validation docs list
// exactly these); every other escape, %20 or %26 for instance, stays as it was sent.
const DECODED: Record<string, string> = {
  '3A': ':',
  '2F': '/',
  '3F': '?',
  '40': '@',
  '21': '!',
  '24': '$',
  '27': "'",
  '28': '(',
  '29': ')',
  '2A': '*',
  '2C': ',',
  '3B': ';',
};

/** The request URI as HubSpot signs it: the listed escapes decoded, the rest untouched. */
export function signedUri(uri: string): string {
  return uri.replace(/%([0-9a-fA-F]{2})/g, (escape, hex: string) => DECODED[hex.toUpperCase()] ?? escape);
}

/** `Base64(HMAC-SHA256(client secret, method + URI + raw body + timestamp))`, the v3 signature. */
export function hubspotSignatureV3(
  clientSecret: string,
  method: string,
  uri: string,
  rawBody: Buffer,
  timestamp: string,
): string {
  return createHmac('sha256', clientSecret)
    .update(method)
    .update(signedUri(uri))
    .update(rawBody)
    .update(timestamp)
    .digest('base64');
}

/** What a v3 check found; anything but `valid` is answered 401. */
export type SignatureVerdict = 'valid' | 'missing' | 'stale' | 'forged';

/**
 * Checks `X-HubSpot-Signature-v3` against the request: the timestamp first (a request
 * older or further ahead than five minutes is stale whatever it carries), then the HMAC,
 * compared in constant time.
 */
export function verifyHubspotSignature(input: {
  clientSecret: string;
  method: string;
  uri: string;
  rawBody: Buffer;
  signature: string | undefined;
  timestamp: string | undefined;
  nowMs: number;
}): SignatureVerdict {
  const { signature, timestamp } = input;
  if (signature === undefined || timestamp === undefined) return 'missing';
  if (!/^\d{1,16}$/.test(timestamp) || Math.abs(input.nowMs - Number(timestamp)) > MAX_SIGNATURE_AGE_MS) return 'stale';
  const expected = Buffer.from(
    hubspotSignatureV3(input.clientSecret, input.method, input.uri, input.rawBody, timestamp),
    'base64',
  );
  const given = Buffer.from(signature.trim(), 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected) ? 'valid' : 'forged';
}
