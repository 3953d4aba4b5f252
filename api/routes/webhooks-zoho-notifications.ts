import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { ZOHO_MODULES, type ZohoModule } from '../../crm/zoho/records.ts';
import { recordReceipt } from '../../db/repositories/webhook-receipts.ts';
import { withTransaction } from '../../db/transaction.ts';
import { startOnce } from '../../intake/workflow-starts.ts';
import type { crmFetchZoho, CrmFetchZohoInput } from '../../workflows/crm-fetch-zoho.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError } from '../http-errors.ts';
import { errors } from '../schemas.ts';

// Zoho's Notification API ("watch") posts only which records changed; the records are
// fetched from Zoho's REST API by the crmFetchZoho workflow's activity.
const Id = Type.Union([Type.String({ pattern: '^[0-9]{1,30}$' }), Type.Integer({ minimum: 0 })]);
const NotificationBody = Type.Object(
  {
    server_time: Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 40 })]),
    query_params: Type.Optional(Type.Unknown()),
    module: Type.String({ minLength: 1, maxLength: 100 }),
    resource_uri: Type.Optional(Type.String({ maxLength: 2000 })),
    ids: Type.Array(Id, { minItems: 1, maxItems: 500 }),
    affected_fields: Type.Optional(Type.Unknown()),
    operation: Type.Enum(['insert', 'update', 'delete']),
    channel_id: Id,
    token: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: true },
);
type Notification = Static<typeof NotificationBody>;

const NotificationAnswer = Type.Object({
  received: Type.Literal(true),
  duplicate: Type.Boolean(),
  workflowId: Type.Union([Type.String(), Type.Null()]),
  ignored: Type.Union([Type.String(), Type.Null()]),
});

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The provider event id of a callback: the same callback delivered again has the same id. */
export function notificationEventId(body: Notification): string {
  const ids = body.ids.map(String).join(',');
  return `${String(body.channel_id)}:${String(body.server_time)}:${body.operation}:${body.module}:${sha256(ids).toString('hex').slice(0, 32)}`;
}

/**
 * `POST /v1/webhooks/crm/zoho/notifications`: Zoho CRM Notification API callbacks,
 * authenticated by the channel's token (ZOHO_NOTIFICATION_TOKEN) and, when set, its
 * channel id. Leads, Contacts and Deals inserts and updates start a `crmFetchZoho`
 * workflow; deletes and other modules are acknowledged and ignored.
 */
export const zohoNotificationRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (
  app,
  { db, temporal, config },
) => {
  app.post(
    '/v1/webhooks/crm/zoho/notifications',
    {
      schema: {
        body: NotificationBody,
        security: [],
        response: {
          200: NotificationAnswer,
          ...errors(
            [401, 'the callback token or channel is not the configured one'],
            [403, 'notifications are off: ZOHO_NOTIFICATION_TOKEN or the Zoho OAuth client is not set'],
          ),
        },
      },
      preValidation: async (request) => {
        if (config.zohoNotificationToken === undefined || config.zoho === undefined) {
          throw new HttpError(
            403,
            'not_configured',
            'Zoho notifications are off: set ZOHO_NOTIFICATION_TOKEN and the Zoho OAuth client (ZOHO_CLIENT_ID, ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN)',
          );
        }
        const body = request.body as { token?: unknown; channel_id?: unknown } | undefined;
        const token = typeof body === 'object' && body !== null ? body.token : undefined;
        // Compared as digests: equal lengths whatever was sent, no early exit.
        if (typeof token !== 'string' || !timingSafeEqual(sha256(token), sha256(config.zohoNotificationToken))) {
          throw new HttpError(
            401,
            'bad_token',
            'the callback token is not ZOHO_NOTIFICATION_TOKEN (enable the channel with that token)',
          );
        }
        if (
          config.zohoNotificationChannelId !== undefined &&
          String(body?.channel_id) !== config.zohoNotificationChannelId
        ) {
          throw new HttpError(
            401,
            'bad_channel',
            'the callback is for another channel than ZOHO_NOTIFICATION_CHANNEL_ID',
          );
        }
      },
    },
    async (request) => {
      const body = request.body;
      if (body.operation === 'delete')
        return { received: true as const, duplicate: false, workflowId: null, ignored: 'delete' };
      if (!(ZOHO_MODULES as readonly string[]).includes(body.module))
        return { received: true as const, duplicate: false, workflowId: null, ignored: 'module' };
      const eventId = notificationEventId(body);
      const workflowId = `zoho-notification-${sha256(eventId).toString('hex').slice(0, 40)}`;
      const input: CrmFetchZohoInput = {
        module: body.module as ZohoModule,
        operation: body.operation,
        ids: [...new Set(body.ids.map(String))],
      };
      // The receipt commits only once the workflow has started: a 200 means the fetch will happen.
      const duplicate = await withTransaction(db, async (tx) => {
        if (!(await recordReceipt(tx, 'zoho-notification', eventId))) return true;
        // Already started means an earlier delivery's receipt did not commit: the fetch is under way.
        await startOnce<typeof crmFetchZoho>(temporal.client, 'crmFetchZoho', {
          taskQueue: config.temporalTaskQueue,
          workflowId,
          args: [input],
        });
        return false;
      });
      return { received: true as const, duplicate, workflowId, ignored: null };
    },
  );
};
