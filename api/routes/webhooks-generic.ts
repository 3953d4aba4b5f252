import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { CrmEventSchema } from '../../crm/events.ts';
import { applyCrmEvent } from '../../intake/crm-events.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError } from '../http-errors.ts';
import { keepRawJsonBody } from '../plugins/raw-body.ts';
import { errors, Nullable } from '../schemas.ts';

/** What a CRM webhook answers for one event. */
export const CrmEventAnswer = Type.Object({
  received: Type.Literal(true),
  duplicate: Type.Boolean({ description: 'this event id was applied before: no second effect' }),
  leadId: Nullable(Type.String()),
});

/** Checks `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` in constant time. */
export function validSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  const match = header === undefined ? null : /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}

/**
 * `POST /v1/webhooks/crm/generic`: any CRM, signed with CRM_WEBHOOK_SECRET. A repeated `id`
 * answers 200 with no second effect; a 200 means the effect is durable (the receipt is
 * committed only once the lead's workflow has the event).
 */
export const genericWebhookRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (
  app,
  { db, temporal, config },
) => {
  keepRawJsonBody(app);

  app.post(
    '/v1/webhooks/crm/generic',
    {
      schema: {
        body: CrmEventSchema,
        security: [],
        response: {
          200: CrmEventAnswer,
          ...errors(
            [401, 'X-Signature is missing or does not match'],
            [403, 'the webhook is off: CRM_WEBHOOK_SECRET is not set'],
          ),
        },
      },
      preValidation: async (request) => {
        if (config.crmWebhookSecret === undefined)
          throw new HttpError(403, 'not_configured', 'the generic CRM webhook is off: set CRM_WEBHOOK_SECRET');
        const signature = request.headers['x-signature'];
        if (
          !validSignature(
            config.crmWebhookSecret,
            request.rawBody ?? Buffer.alloc(0),
            Array.isArray(signature) ? signature[0] : signature,
          )
        ) {
          throw new HttpError(
            401,
            'bad_signature',
            'X-Signature must be sha256=<hex HMAC-SHA256 of the raw body with CRM_WEBHOOK_SECRET>',
          );
        }
      },
    },
    async (request) =>
      applyCrmEvent(
        {
          db,
          temporal: temporal.client,
          taskQueue: config.temporalTaskQueue,
          consentDefaults: config.consentDefaults,
        },
        'generic',
        request.body,
      ),
  );
};
