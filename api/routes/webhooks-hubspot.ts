import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type from 'typebox';
import type { SyncHubspotEventInput } from '../../activities/hubspot-records.ts';
import { verifyHubspotSignature } from '../../crm/hubspot/signature.ts';
import { hubspotEventKey, hubspotWorkflowId, subjectOf } from '../../crm/hubspot/webhook-events.ts';
import { recordReceipt } from '../../db/repositories/webhook-receipts.ts';
import { withTransaction } from '../../db/transaction.ts';
import { startOnce } from '../../intake/workflow-starts.ts';
import type { crmFetchHubspot } from '../../workflows/crm-fetch-hubspot.ts';
import type { AppDependencies } from '../dependencies.ts';
import { HttpError } from '../http-errors.ts';
import { keepRawJsonBody } from '../plugins/raw-body.ts';
import { errors } from '../schemas.ts';

const BatchAnswer = Type.Object({
  received: Type.Integer(),
  accepted: Type.Integer({ description: 'events whose fetch workflow this call started' }),
  duplicates: Type.Integer({ description: 'events received before: nothing started' }),
  ignored: Type.Integer({ description: 'deletions and objects the engine does not follow' }),
});

const Id = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9]{1,30}$' })]);
const Count = Type.Optional(Type.Integer({ minimum: 0 }));

/** One event of a batch; fields HubSpot may add later are kept, not refused. */
const HubspotEventSchema = Type.Object(
  {
    eventId: Count,
    subscriptionId: Count,
    portalId: Count,
    appId: Count,
    occurredAt: Type.Integer({ minimum: 0 }),
    subscriptionType: Type.String({ minLength: 1, maxLength: 100 }),
    attemptNumber: Count,
    objectId: Id,
    objectTypeId: Type.Optional(Type.String({ maxLength: 20 })),
    propertyName: Type.Optional(Type.String({ maxLength: 200 })),
    propertyValue: Type.Optional(Type.String({ maxLength: 65536 })),
    changeSource: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: true },
);

// HubSpot sends at most 100 events a request; the bound keeps one request's work finite.
const HubspotBatch = Type.Array(HubspotEventSchema, { minItems: 1, maxItems: 1000 });

// Events of one batch handled at once (the pool has 10 connections, shared with every route).
const CONCURRENCY = 4;

/**
 * `POST /v1/webhooks/crm/hubspot`: HubSpot webhook batches, authenticated by the v3
 * signature with HUBSPOT_CLIENT_SECRET over PUBLIC_BASE_URL + the path HubSpot called.
 * Each contact or deal event gets a receipt (keyed on what makes it unique) committed
 * only once its fetch workflow has started, so a 200 means every event will be applied
 * and a repeated event starts nothing. The records themselves are fetched from HubSpot
 * by that workflow, not here: HubSpot waits only seconds for an answer.
 */
export const hubspotWebhookRoutes: FastifyPluginAsyncTypebox<
  AppDependencies & { clientSecret: string | undefined }
> = async (app, deps) => {
  keepRawJsonBody(app);

  app.post(
    '/v1/webhooks/crm/hubspot',
    {
      schema: {
        body: HubspotBatch,
        security: [],
        response: {
          200: BatchAnswer,
          ...errors(
            [401, 'the v3 signature headers are missing, stale or do not match'],
            [403, 'the webhook is off: HUBSPOT_CLIENT_SECRET is not set'],
          ),
        },
      },
      preValidation: async (request) => {
        // 403 like every other webhook that is not configured: a client error, not an outage.
        if (deps.clientSecret === undefined)
          throw new HttpError(403, 'not_configured', 'the HubSpot webhook is off: set HUBSPOT_CLIENT_SECRET');
        const header = (name: string) => {
          const value = request.headers[name];
          return Array.isArray(value) ? value[0] : value;
        };
        const verdict = verifyHubspotSignature({
          clientSecret: deps.clientSecret,
          method: request.method,
          uri: `${deps.config.publicBaseUrl}${request.url}`,
          rawBody: request.rawBody ?? Buffer.alloc(0),
          signature: header('x-hubspot-signature-v3'),
          timestamp: header('x-hubspot-request-timestamp'),
          nowMs: Date.now(),
        });
        if (verdict === 'missing')
          throw new HttpError(
            401,
            'bad_signature',
            'X-HubSpot-Signature-v3 and X-HubSpot-Request-Timestamp are required',
          );
        if (verdict === 'stale')
          throw new HttpError(
            401,
            'stale_signature',
            'X-HubSpot-Request-Timestamp is more than 5 minutes away from now',
          );
        if (verdict === 'forged')
          throw new HttpError(
            401,
            'bad_signature',
            'X-HubSpot-Signature-v3 does not match (signed over PUBLIC_BASE_URL + path with HUBSPOT_CLIENT_SECRET)',
          );
      },
    },
    async (request) => {
      const events = request.body;
      const outcomes: ('accepted' | 'duplicate' | 'ignored')[] = [];
      const accept = async (index: number) => {
        const event = events[index]!;
        const subject = subjectOf(event);
        // Deletions and objects the engine does not follow: acknowledged, nothing to do.
        if (!subject || subject.change === 'deletion') return (outcomes[index] = 'ignored');
        const key = hubspotEventKey(event);
        const fresh = await withTransaction(deps.db, async (tx) => {
          if (!(await recordReceipt(tx, 'hubspot', key))) return false;
          // Temporal down answers 503 within the deadline, and HubSpot retries.
          const input: SyncHubspotEventInput = { key, event };
          await startOnce<typeof crmFetchHubspot>(deps.temporal.client, 'crmFetchHubspot', {
            taskQueue: deps.config.temporalTaskQueue,
            workflowId: hubspotWorkflowId(key),
            args: [input],
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          });
          return true;
        });
        return (outcomes[index] = fresh ? 'accepted' : 'duplicate');
      };
      // A few at a time: HubSpot waits only seconds for a batch of up to 100, and each
      // event holds a pooled connection while its workflow starts. Events are independent
      // (each fetches its record's current state), so their order does not matter.
      let next = 0;
      await Promise.all(
        Array.from({ length: Math.min(CONCURRENCY, events.length) }, async () => {
          while (next < events.length) await accept(next++);
        }),
      );
      const count = (outcome: (typeof outcomes)[number]) => outcomes.filter((o) => o === outcome).length;
      return {
        received: events.length,
        accepted: count('accepted'),
        duplicates: count('duplicate'),
        ignored: count('ignored'),
      };
    },
  );
};
