import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import { ZohoBody, zohoEvents } from '../../crm/zoho/events.ts';
import { applyCrmChange } from '../../intake/crm-events.ts';
import { isRecordReport } from '../../crm/events.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError } from '../http-errors.ts';
import { errors, Nullable } from '../schemas.ts';

const ZohoAnswer = Type.Object({
  received: Type.Literal(true),
  leadId: Nullable(Type.String()),
  events: Type.Array(Type.Object({ type: Type.String(), duplicate: Type.Boolean() }), {
    description: 'the engine events the delivery became: a deal saved without a real change becomes none',
  }),
  records: Type.Array(
    Type.Object({
      record: Type.String({ description: 'module and record id' }),
      changed: Type.Array(Type.String(), { description: 'followed fields that changed since the last delivery' }),
      stale: Type.Array(Type.String(), { description: 'fields older than the known value (a late delivery): ignored' }),
      duplicate: Type.Boolean(),
    }),
  ),
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
      const changes = zohoEvents(request.body, new Date());
      let leadId: string | null = null;
      const events: { type: string; duplicate: boolean }[] = [];
      const records: { record: string; changed: string[]; stale: string[]; duplicate: boolean }[] = [];
      for (const change of changes) {
        const result = await applyCrmChange(
          {
            db: deps.db,
            temporal: deps.temporal.client,
            taskQueue: deps.config.temporalTaskQueue,
            consentDefaults: deps.config.consentDefaults,
          },
          'zoho',
          change,
        );
        leadId ??= result.leadId;
        if (!isRecordReport(change)) events.push({ type: change.type, duplicate: result.duplicate });
        else {
          events.push(...result.events.map((type) => ({ type, duplicate: false })));
          records.push({
            record: change.recordId,
            changed: result.changed,
            stale: result.stale,
            duplicate: result.duplicate,
          });
        }
      }
      return { received: true as const, leadId, events, records };
    },
  );
};
