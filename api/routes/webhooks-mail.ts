import { createHmac, timingSafeEqual, verify } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { findLeadByEmail } from '../../db/repositories/leads.ts';
import { claimSignatureToken, releaseSignatureToken } from '../../db/repositories/webhook-signature-tokens.ts';
import type { AppDependencies } from '../dependencies.ts';
import { acceptDeliveryEvent } from '../../intake/engagement.ts';
import { HttpError } from '../http-errors.ts';
import { keepRawJsonBody } from '../plugins/raw-body.ts';
import { errors } from '../schemas.ts';

const Receipt = Type.Object({
  received: Type.Integer({ description: 'reports in the request' }),
  accepted: Type.Integer({ description: 'bounces and complaints about leads, counted for the first time' }),
});
const signatureErrors = (provider: string, key: string) =>
  errors(
    [401, `the ${provider} signature is missing, does not match or is too old`],
    [403, `the ${provider} webhook is off: ${key} is not set`],
  );

// How old a signed delivery report may be: enough for a provider's retries to arrive
// late, short enough that a captured request is of little use to replay.
const MAX_AGE_S = 15 * 60;

/** Mail provider credentials for delivery reports; a provider without one answers 403. */
export interface MailWebhookSecrets {
  mailgunSigningKey: string | undefined;
  sendgridPublicKey: string | undefined;
}

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

/** What a provider reported about one address. */
interface DeliveryReport {
  email: string;
  type: 'bounce' | 'complaint';
  hard: boolean;
  sourceId: string;
  occurredAt: Date;
}

/**
 * `POST /v1/webhooks/mail/mailgun` and `/sendgrid`: bounces and complaints as these
 * providers report them, verified by their signatures (Mailgun: HMAC-SHA256 of timestamp
 * and token with the webhook signing key; SendGrid: ECDSA over timestamp and raw body with
 * the verification key; a Mailgun token is accepted once). A hard bounce or complaint suppresses the address; each report
 * counts once by the provider's event id. Reports about addresses that are no lead are
 * acknowledged and ignored.
 */
export const mailWebhookRoutes: FastifyPluginAsyncTypebox<AppDependencies & { secrets: MailWebhookSecrets }> = async (
  app,
  deps,
) => {
  keepRawJsonBody(app);
  const accept = async (reports: DeliveryReport[]) => {
    let accepted = 0;
    for (const report of reports) {
      const lead = await findLeadByEmail(deps.db, report.email);
      if (!lead) continue;
      const { duplicate } = await acceptDeliveryEvent(
        { db: deps.db, temporal: deps.temporal.client, taskQueue: deps.config.temporalTaskQueue },
        { lead, type: report.type, hard: report.hard, occurredAt: report.occurredAt, sourceId: report.sourceId },
      );
      if (!duplicate) accepted += 1;
    }
    return { received: reports.length, accepted };
  };

  app.post(
    '/v1/webhooks/mail/mailgun',
    {
      schema: {
        body: Type.Object({
          signature: Type.Object({
            timestamp: Type.String({ maxLength: 20 }),
            token: Type.String({ maxLength: 200 }),
            signature: Type.String({ maxLength: 200 }),
          }),
          'event-data': Type.Object(
            {
              event: Type.String({ maxLength: 50 }),
              id: Type.Optional(Type.String({ maxLength: 200 })),
              recipient: Type.Optional(Type.String({ maxLength: 254 })),
              severity: Type.Optional(Type.String({ maxLength: 50 })),
              timestamp: Type.Optional(Type.Number()),
            },
            { additionalProperties: true },
          ),
        }),
        security: [],
        response: { 200: Receipt, ...signatureErrors('Mailgun', 'MAILGUN_WEBHOOK_SIGNING_KEY') },
      },
    },
    async (request) => {
      const key = deps.secrets.mailgunSigningKey;
      if (key === undefined)
        throw new HttpError(403, 'not_configured', 'the Mailgun webhook is off: set MAILGUN_WEBHOOK_SIGNING_KEY');
      const { timestamp, token, signature } = request.body.signature;
      const expected = createHmac('sha256', key)
        .update(timestamp + token)
        .digest();
      const given = /^[0-9a-f]{64}$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new HttpError(401, 'bad_signature', 'the Mailgun signature does not match');
      if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_AGE_S)
        throw new HttpError(401, 'stale_signature', 'the Mailgun timestamp is too old');
      // The signature covers timestamp and token, not the report: good once, or a captured
      // request could carry any report while its timestamp is accepted (either side of now).
      if (!(await claimSignatureToken(deps.db, 'mailgun', token, 2 * MAX_AGE_S)))
        throw new HttpError(401, 'replayed_signature', 'this Mailgun signature was already used');
      const data = request.body['event-data'];
      const permanent = data.severity === undefined || data.severity === 'permanent';
      const type = data.event === 'complained' ? 'complaint' : data.event === 'failed' ? 'bounce' : undefined;
      if (type === undefined || data.recipient === undefined) return { received: 1, accepted: 0 };
      try {
        return await accept([
          {
            email: data.recipient,
            type,
            hard: type === 'complaint' || permanent,
            sourceId: `mailgun:${data.id ?? token}`,
            occurredAt: new Date((data.timestamp ?? Number(timestamp)) * 1000),
          },
        ]);
      } catch (error) {
        // Not handled (a dependency away): Mailgun retries with the same signature.
        await releaseSignatureToken(deps.db, 'mailgun', token).catch(() => {});
        throw error;
      }
    },
  );

  app.post(
    '/v1/webhooks/mail/sendgrid',
    {
      schema: {
        body: Type.Array(
          Type.Object(
            {
              email: Type.String({ maxLength: 254 }),
              event: Type.String({ maxLength: 50 }),
              type: Type.Optional(Type.String({ maxLength: 50 })),
              sg_event_id: Type.String({ maxLength: 200 }),
              timestamp: Type.Number(),
            },
            { additionalProperties: true },
          ),
          { maxItems: 1000 },
        ),
        security: [],
        response: { 200: Receipt, ...signatureErrors('SendGrid', 'SENDGRID_WEBHOOK_PUBLIC_KEY') },
      },
      preValidation: async (request) => {
        const publicKey = deps.secrets.sendgridPublicKey;
        if (publicKey === undefined)
          throw new HttpError(403, 'not_configured', 'the SendGrid webhook is off: set SENDGRID_WEBHOOK_PUBLIC_KEY');
        const signature = request.headers['x-twilio-email-event-webhook-signature'];
        const timestamp = request.headers['x-twilio-email-event-webhook-timestamp'];
        if (typeof signature !== 'string' || typeof timestamp !== 'string')
          throw new HttpError(401, 'bad_signature', 'the SendGrid signature headers are missing');
        const signed = Buffer.concat([Buffer.from(timestamp), request.rawBody ?? Buffer.alloc(0)]);
        if (!verifiesEcdsa(publicKey, signed, signature))
          throw new HttpError(401, 'bad_signature', 'the SendGrid signature does not match');
        if (Math.abs(Date.now() / 1000 - Number(timestamp)) > MAX_AGE_S)
          throw new HttpError(401, 'stale_signature', 'the SendGrid timestamp is too old');
      },
    },
    async (request) => {
      const reports: DeliveryReport[] = [];
      for (const event of request.body) {
        // `blocked` is a temporary refusal by the receiving server; `bounce` a permanent one.
        const type = event.event === 'spamreport' ? 'complaint' : event.event === 'bounce' ? 'bounce' : undefined;
        if (type === undefined) continue;
        reports.push({
          email: event.email,
          type,
          hard: type === 'complaint' || event.type !== 'blocked',
          sourceId: `sendgrid:${event.sg_event_id}`,
          occurredAt: new Date(event.timestamp * 1000),
        });
      }
      const result = await accept(reports);
      return { ...result, received: request.body.length };
    },
  );
};
