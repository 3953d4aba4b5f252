import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import iconv from 'iconv-lite';
import Type from 'typebox';
import { releaseSignatureToken } from '../../db/repositories/webhook-signature-tokens.ts';
import { acceptReply, type ReplySource } from '../../intake/replies.ts';
import { inboundFromParts, parseInboundMessage, type InboundMessage } from '../../mail/inbound-message.ts';
import type { AppDependencies } from '../dependencies.ts';
import { parseFormFields, type FormFields } from '../form-fields.ts';
import { HttpError } from '../http-errors.ts';
import { checkMailgunSignature, checkSendgridSignature } from '../mail-webhook-signatures.ts';
import { errors } from '../schemas.ts';
import type { MailWebhookSecrets } from './webhooks-mail.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The inbound webhook's body exactly as sent (its signature covers it); set by this scope's parser. */
    inboundBody?: Buffer;
  }
}

// The largest inbound message taken: providers cap theirs near 25-30 MB with attachments;
// a reply's text is a small part of that.
const INBOUND_BODY_LIMIT = 30 * 1024 * 1024;

const ReplyReceipt = Type.Object({
  outcome: Type.Union(
    [Type.Literal('reply'), Type.Literal('auto_reply'), Type.Literal('duplicate'), Type.Literal('unmatched')],
    {
      description:
        'reply: a reply to an engine email (scored, the cadence paused, the owner told); auto_reply: recorded only; duplicate: seen before; unmatched: not a reply to an engine email, ignored',
    },
  ),
  leadId: Type.Union([Type.String(), Type.Null()]),
});

const FORM_TYPES = ['multipart/form-data', 'application/x-www-form-urlencoded'];

const utf8 = (fields: FormFields, name: string): string | undefined => fields.get(name)?.toString('utf8');

/** A field's text in the charset the provider names (SendGrid's `charsets`), UTF-8 when it names none or one iconv does not know. */
function decoded(fields: FormFields, name: string, charsets: Record<string, string>): string | undefined {
  const bytes = fields.get(name);
  if (bytes === undefined) return undefined;
  const charset = charsets[name];
  return charset !== undefined && iconv.encodingExists(charset) ? iconv.decode(bytes, charset) : bytes.toString('utf8');
}

/** A JSON field, or a 400 naming it. */
function jsonField<T>(fields: FormFields, name: string, fallback: T): T {
  const raw = utf8(fields, name);
  if (raw === undefined || raw.trim() === '') return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    throw new HttpError(400, 'malformed', `the ${name} field is not JSON`);
  }
}

/** The message in a SendGrid Inbound Parse post: the raw MIME (`email`, "send raw") or the parsed fields. */
async function sendgridMessage(fields: FormFields): Promise<InboundMessage> {
  const envelope = jsonField<{ to?: unknown }>(fields, 'envelope', {});
  const recipients = Array.isArray(envelope.to) ? envelope.to.filter((t): t is string => typeof t === 'string') : [];
  const raw = fields.get('email');
  if (raw !== undefined) return parseInboundMessage(raw, { recipients });
  const charsets = jsonField<Record<string, string>>(fields, 'charsets', {});
  const headerBlock = decoded(fields, 'headers', charsets);
  if (headerBlock === undefined)
    throw new HttpError(422, 'invalid', 'an Inbound Parse post carries "email" (raw) or "headers" with "text"/"html"', {
      fields: [...fields.keys()],
    });
  return inboundFromParts({
    headerBlock,
    text: decoded(fields, 'text', charsets),
    html: decoded(fields, 'html', charsets),
    recipients,
  });
}

/** The message in a Mailgun route post: the raw MIME (`body-mime`, a route to a .../mime URL) or the parsed fields. */
async function mailgunMessage(fields: FormFields): Promise<InboundMessage> {
  const recipients = (utf8(fields, 'recipient') ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  const raw = fields.get('body-mime');
  if (raw !== undefined) return parseInboundMessage(raw, { recipients });
  const pairs = jsonField<unknown>(fields, 'message-headers', undefined);
  if (!Array.isArray(pairs))
    throw new HttpError(
      422,
      'invalid',
      'a Mailgun route post carries "body-mime" or "message-headers" with "body-plain"',
    );
  const headerBlock = pairs
    .filter((p): p is [string, string] => Array.isArray(p) && typeof p[0] === 'string' && typeof p[1] === 'string')
    // A header value with a line break would start another header: fold it.
    .map(([name, value]) => `${name.replace(/[^\x21-\x39\x3b-\x7e]/g, '')}: ${value.replace(/\r?\n/g, ' ')}`)
    .join('\r\n');
  return inboundFromParts({
    headerBlock,
    text: utf8(fields, 'body-plain'),
    html: utf8(fields, 'body-html'),
    recipients,
  });
}

/**
 * `POST /v1/webhooks/inbound/sendgrid` and `/mailgun`: replies to the engine's email as
 * these providers forward incoming mail (SendGrid Inbound Parse, signed; Mailgun routes,
 * `forward()` to this URL). Authenticated as the delivery-report webhooks are, with the
 * same keys. A reply is matched to the email it answers and taken by reply intake; a
 * message that answers no engine email is acknowledged (200, `unmatched`) so the provider
 * does not retry it. Bad input is 4xx and changes nothing.
 */
export const inboundMailRoutes: FastifyPluginAsyncTypebox<AppDependencies & { secrets: MailWebhookSecrets }> = async (
  app,
  deps,
) => {
  for (const type of FORM_TYPES) if (app.hasContentTypeParser(type)) app.removeContentTypeParser(type);
  app.addContentTypeParser(FORM_TYPES, { parseAs: 'buffer', bodyLimit: INBOUND_BODY_LIMIT }, (request, body, done) => {
    request.inboundBody = body as Buffer;
    done(null, {});
  });
  const intake = {
    db: deps.db,
    temporal: deps.temporal.client,
    taskQueue: deps.config.temporalTaskQueue,
    appSecret: deps.config.appSecret ?? '',
    // Without APP_SECRET no reply address can carry a valid token.
    replyAddress: deps.config.appSecret === undefined ? undefined : deps.config.replyAddress,
  };
  /** The form as sent, or 415 for any other body (checked before the signature: nothing else can be signed). */
  const formOf = (request: { inboundBody?: Buffer | undefined; headers: Record<string, unknown> }) => {
    const contentType = request.headers['content-type'];
    if (request.inboundBody === undefined || typeof contentType !== 'string')
      throw new HttpError(
        415,
        'unsupported_media_type',
        'send multipart/form-data or application/x-www-form-urlencoded',
      );
    return { body: request.inboundBody, contentType };
  };
  const fieldsOf = (form: { body: Buffer; contentType: string }) =>
    parseFormFields(form.body, form.contentType, { fields: 100 });
  const take = async (message: InboundMessage, source: ReplySource) => {
    const result = await acceptReply(intake, message, source);
    return { outcome: result.outcome, leadId: 'leadId' in result ? result.leadId : null };
  };
  const schema = (provider: string, key: string) => ({
    consumes: FORM_TYPES,
    security: [],
    response: {
      200: ReplyReceipt,
      ...errors(
        [400, 'the form cannot be read'],
        [401, `the ${provider} signature is missing, does not match or is too old`],
        [403, `the ${provider} inbound webhook is off: ${key} is not set`],
        [413, 'the message is larger than 30 MB'],
        [415, 'not a form'],
        [422, 'the form carries no message'],
      ),
    },
  });

  app.post(
    '/v1/webhooks/inbound/sendgrid',
    { schema: schema('SendGrid', 'SENDGRID_WEBHOOK_PUBLIC_KEY') },
    async (request) => {
      const form = formOf(request);
      checkSendgridSignature(deps.secrets.sendgridPublicKey, request.headers, form.body, 'inbound webhook');
      return take(await sendgridMessage(await fieldsOf(form)), 'sendgrid');
    },
  );

  app.post(
    '/v1/webhooks/inbound/mailgun',
    { schema: schema('Mailgun', 'MAILGUN_WEBHOOK_SIGNING_KEY') },
    async (request) => {
      const fields = await fieldsOf(formOf(request));
      const signed = {
        timestamp: utf8(fields, 'timestamp') ?? '',
        token: utf8(fields, 'token') ?? '',
        signature: utf8(fields, 'signature') ?? '',
      };
      if (signed.token === '' || signed.token.length > 200)
        throw new HttpError(401, 'bad_signature', 'the Mailgun signature fields are missing');
      await checkMailgunSignature(deps.db, deps.secrets.mailgunSigningKey, signed, 'inbound webhook');
      try {
        return await take(await mailgunMessage(fields), 'mailgun');
      } catch (error) {
        // Not taken (bad input, a dependency away): the token is free again for a corrected or retried post.
        await releaseSignatureToken(deps.db, 'mailgun', signed.token).catch(() => {});
        throw error;
      }
    },
  );
};
