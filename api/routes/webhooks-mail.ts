import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { findLeadByEmail } from '../../db/repositories/leads.ts';
import { releaseSignatureToken } from '../../db/repositories/webhook-signature-tokens.ts';
import type { AppDependencies } from '../dependencies.ts';
import { acceptDeliveryEvent } from '../../intake/engagement.ts';
import { checkMailgunSignature, checkSendgridSignature } from '../mail-webhook-signatures.ts';
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

/** Mail provider credentials for delivery reports; a provider without one answers 403. */
export interface MailWebhookSecrets {
  mailgunSigningKey: string | undefined;
  sendgridPublicKey: string | undefined;
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
      const { timestamp, token, signature } = request.body.signature;
      await checkMailgunSignature(deps.db, deps.secrets.mailgunSigningKey, { timestamp, token, signature }, 'webhook');
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
        checkSendgridSignature(deps.secrets.sendgridPublicKey, request.headers, request.rawBody, 'webhook');
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
