import type { InjectOptions } from 'fastify';
import { expect } from 'vitest';
import type { Fixtures, Row } from './table.ts';

// Inbound mail (replies): multipart forms as SendGrid Inbound Parse and Mailgun routes post
// them, signed as each provider signs. A message that answers no engine email is
// acknowledged and changes nothing.

const SENDGRID = 'POST /v1/webhooks/inbound/sendgrid';
const MAILGUN = 'POST /v1/webhooks/inbound/mailgun';
const BOUNDARY = 'lle-bad-input-boundary';
const STRANGER =
  'From: stranger@example.jp\r\nTo: marketing@example.com\r\nSubject: hello\r\nMessage-ID: <stranger@example.jp>\r\n\r\nhello\r\n';

/** A multipart/form-data body with these text fields. */
const form = (fields: Record<string, string>): Buffer =>
  Buffer.from(
    Object.entries(fields)
      .map(([name, value]) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join('') + `--${BOUNDARY}--\r\n`,
  );
const multipart = `multipart/form-data; boundary=${BOUNDARY}`;

const sendgrid =
  (body: Buffer, headers: (f: Fixtures, raw: Buffer) => Record<string, string>, type = multipart) =>
  (f: Fixtures): InjectOptions => ({
    method: 'POST',
    url: '/v1/webhooks/inbound/sendgrid',
    headers: { 'content-type': type, ...headers(f, body) },
    payload: body,
  });
const mailgun =
  (fields: (f: Fixtures) => Record<string, string>, type = multipart) =>
  (f: Fixtures): InjectOptions => ({
    method: 'POST',
    url: '/v1/webhooks/inbound/mailgun',
    headers: { 'content-type': type },
    payload: form(fields(f)),
  });
const unmatched = async (_f: Fixtures, response: { json: () => unknown }) =>
  expect(response.json()).toEqual({ outcome: 'unmatched', leadId: null });

/** The bad-input rows of the inbound mail webhooks. */
export const inboundMailRows: Row[] = [
  {
    route: SENDGRID,
    case: 'a message that answers no engine email',
    request: sendgrid(form({ email: STRANGER }), (f, raw) => f.sign.sendgrid(raw)),
    status: 200,
    stored: unmatched,
  },
  {
    route: SENDGRID,
    case: 'JSON instead of a form',
    request: sendgrid(Buffer.from('{}'), (f, raw) => f.sign.sendgrid(raw), 'application/json'),
    status: 415,
    code: 'unsupported_media_type',
  },
  {
    route: SENDGRID,
    case: 'no signature headers',
    request: sendgrid(form({ email: STRANGER }), () => ({})),
    status: 401,
    code: 'bad_signature',
  },
  {
    route: SENDGRID,
    case: 'a signature of other bytes',
    request: sendgrid(form({ email: STRANGER }), (f) => f.sign.sendgrid(Buffer.from('other'))),
    status: 401,
    code: 'bad_signature',
  },
  {
    route: SENDGRID,
    case: 'a validly signed form that breaks off',
    request: sendgrid(form({ email: STRANGER }).subarray(0, 60), (f, raw) => f.sign.sendgrid(raw)),
    status: 400,
    code: 'malformed',
  },
  {
    route: SENDGRID,
    case: 'a validly signed form without a message',
    request: sendgrid(form({ subject: 'hello' }), (f, raw) => f.sign.sendgrid(raw)),
    status: 422,
    code: 'invalid',
  },
  {
    route: SENDGRID,
    case: 'envelope that is not JSON',
    request: sendgrid(form({ email: STRANGER, envelope: '{' }), (f, raw) => f.sign.sendgrid(raw)),
    status: 400,
    code: 'malformed',
  },
  {
    route: MAILGUN,
    case: 'a message that answers no engine email',
    request: mailgun((f) => ({ ...f.mailgunSignature(), 'body-mime': STRANGER })),
    status: 200,
    stored: unmatched,
  },
  {
    route: MAILGUN,
    case: 'no signature fields',
    request: mailgun(() => ({ 'body-mime': STRANGER })),
    status: 401,
    code: 'bad_signature',
  },
  {
    route: MAILGUN,
    case: 'a forged signature',
    request: mailgun((f) => ({ ...f.mailgunSignature(), signature: 'ab'.repeat(32), 'body-mime': STRANGER })),
    status: 401,
    code: 'bad_signature',
  },
  {
    route: MAILGUN,
    case: 'an expired timestamp, validly signed',
    request: mailgun((f) => ({
      ...f.mailgunSignature(String(Math.floor(Date.now() / 1000) - 3600)),
      'body-mime': STRANGER,
    })),
    status: 401,
    code: 'stale_signature',
  },
  {
    route: MAILGUN,
    case: 'a validly signed form without a message',
    request: mailgun((f) => ({ ...f.mailgunSignature(), subject: 'hello' })),
    status: 422,
    code: 'invalid',
  },
  {
    route: MAILGUN,
    case: 'message-headers that are not JSON',
    request: mailgun((f) => ({ ...f.mailgunSignature(), 'message-headers': '[[', 'body-plain': 'hi' })),
    status: 400,
    code: 'malformed',
  },
  {
    route: MAILGUN,
    case: 'a form whose boundary is not the one declared',
    request: mailgun((f) => ({ ...f.mailgunSignature(), 'body-mime': STRANGER }), 'multipart/form-data; boundary=zzz'),
    status: [400, 401],
  },
];
