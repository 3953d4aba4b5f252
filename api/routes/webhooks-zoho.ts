import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ZohoBody, zohoEvents } from '../../crm/zoho/events.ts';
import { applyCrmEvent } from '../../intake/crm-events.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError } from '../http-errors.ts';
import { errors, Nullable } from '../schemas.ts';

const ZohoAnswer = Type.Object({
  received: Type.Literal(true),
  leadId: Nullable(Type.String()),
  events: Type.Array(Type.Object({ type: Type.String(), duplicate: Type.Boolean() })),
});

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** `POST /v1/webhooks/crm/zoho`: Zoho CRM workflow-rule webhooks, form-encoded or JSON, authenticated by ZOHO_WEBHOOK_TOKEN. */
export const zohoWebhookRoutes: FastifyPluginAsyncTypebox<AppDependencies & { zohoToken: string | undefined }> = async (
  app,
  deps,
) => {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: 64 * 1024 },
    (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    },
  );

  app.post(
    '/v1/webhooks/crm/zoho',
    {
      schema: {
        body: ZohoBody,
        security: [],
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        response: {
          200: ZohoAnswer,
          ...errors(
            [401, 'the token (parameter token or X-Zoho-Webhook-Token) is missing or wrong'],
            [403, 'the webhook is off: ZOHO_WEBHOOK_TOKEN is not set'],
          ),
        },
      },
      preValidation: async (request) => {
        if (deps.zohoToken === undefined)
          throw new HttpError(403, 'not_configured', 'the Zoho webhook is off: set ZOHO_WEBHOOK_TOKEN');
        const header = request.headers['x-zoho-webhook-token'];
        const given =
          (typeof header === 'string' ? header : undefined) ?? (request.body as { token?: unknown } | undefined)?.token;
        // Compared as digests: equal lengths whatever was sent, no early exit.
        if (typeof given !== 'string' || !timingSafeEqual(digest(given), digest(deps.zohoToken))) {
          throw new HttpError(
            401,
            'bad_token',
            'send ZOHO_WEBHOOK_TOKEN as the parameter token or the header X-Zoho-Webhook-Token',
          );
        }
      },
    },
    async (request) => {
      const events = zohoEvents(request.body, new Date());
      const results = [];
      for (const event of events) {
        const result = await applyCrmEvent(
          { db: deps.db, temporal: deps.temporal.client, taskQueue: deps.config.temporalTaskQueue },
          'zoho',
          event,
        );
        results.push({ type: event.type, duplicate: result.duplicate, leadId: result.leadId });
      }
      return {
        received: true as const,
        leadId: results[0]?.leadId ?? null,
        events: results.map(({ type, duplicate }) => ({ type, duplicate })),
      };
    },
  );
};
