import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { findLead, findLeadByEmail, type Lead } from '../../db/repositories/leads.ts';
import { suppress } from '../../db/repositories/suppressions.ts';
import { recordReceipt } from '../../db/repositories/webhook-receipts.ts';
import { withTransaction } from '../../db/transaction.ts';
import type { DealUpdate, LeadEvent } from '../../workflows/lead-events.ts';
import type { AppDependencies } from '../app.ts';
import { HttpError, unprocessable } from '../http-errors.ts';
import { EMAIL_PATTERN, intakeLead, LeadBody } from '../lead-intake.ts';
import { signalLead } from '../lifecycle-client.ts';
import { keepRawJsonBody } from '../plugins/raw-body.ts';
import { UUID_PATTERN } from '../schemas.ts';

const EVENT_TYPES = ['lead.created', 'lead.updated', 'deal.stage_changed', 'deal.won', 'deal.lost', 'contract.ended', 'contact.unsubscribed'] as const;

const WebhookBody = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 200 }),
    type: Type.Enum([...EVENT_TYPES]),
    occurredAt: Type.String({ format: 'date-time', maxLength: 40 }),
    data: Type.Object({ leadId: Type.Optional(Type.String({ maxLength: 100 })), email: Type.Optional(Type.String({ maxLength: 254, pattern: EMAIL_PATTERN })) }, { additionalProperties: true }),
  },
  { additionalProperties: false },
);

/** What deal, contract and unsubscribe events carry besides the lead. */
const EventData = Type.Object(
  {
    leadId: Type.Optional(Type.String({ maxLength: 100 })),
    email: Type.Optional(Type.String({ maxLength: 254, pattern: EMAIL_PATTERN })),
    stage: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    amount: Type.Optional(Type.Number({ minimum: 0, maximum: 1e12 })),
    probability: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    expectedCloseDate: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' })),
    ownerEmail: Type.Optional(Type.String({ maxLength: 254, pattern: EMAIL_PATTERN })),
    reason: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);

type WebhookEvent = Static<typeof WebhookBody>;

/** Checks `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>` in constant time. */
export function validSignature(secret: string, rawBody: Buffer, header: string | undefined): boolean {
  const match = header === undefined ? null : /^sha256=([0-9a-fA-F]{64})$/.exec(header.trim());
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}

function problemsOf(schema: TSchema, value: unknown, prefix: string): { path: string; message: string }[] {
  return Value.Errors(schema, value).map((e) => ({ path: `${prefix}${e.instancePath}`, message: e.message }));
}

/**
 * `POST /v1/webhooks/crm/generic`: any CRM, signed with CRM_WEBHOOK_SECRET. A repeated `id`
 * answers 200 with no second effect; a 200 means the effect is durable (the receipt is
 * committed only once the lead's workflow has the event).
 */
export const genericWebhookRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db, temporal, config }) => {
  keepRawJsonBody(app);

  app.post(
    '/v1/webhooks/crm/generic',
    {
      schema: { body: WebhookBody },
      preValidation: async (request) => {
        if (config.crmWebhookSecret === undefined) throw new HttpError(403, 'not_configured', 'the generic CRM webhook is off: set CRM_WEBHOOK_SECRET');
        const signature = request.headers['x-signature'];
        if (!validSignature(config.crmWebhookSecret, request.rawBody ?? Buffer.alloc(0), Array.isArray(signature) ? signature[0] : signature)) {
          throw new HttpError(401, 'bad_signature', 'X-Signature must be sha256=<hex HMAC-SHA256 of the raw body with CRM_WEBHOOK_SECRET>');
        }
      },
    },
    async (request) => {
      const event = request.body;
      const lead = await resolveLead(event);
      const signal = leadEventOf(event);
      const duplicate = await withTransaction(db, async (tx) => {
        if (!(await recordReceipt(tx, 'generic', event.id))) return true;
        if (event.type === 'contact.unsubscribed') await suppress(tx, lead.email, 'unsubscribed via CRM');
        if (signal) await signalLead(temporal.client, config.temporalTaskQueue, lead.id, signal);
        return false;
      });
      return { received: true, duplicate, leadId: lead.id };
    },
  );

  /** The lead the event is about: lead events create or update it; others create it when the address is new. */
  async function resolveLead(event: WebhookEvent): Promise<Lead> {
    const { leadId, ...fields } = event.data;
    if (event.type === 'lead.created' || event.type === 'lead.updated') {
      const existing = leadId !== undefined ? await leadById(leadId) : undefined;
      const input = { ...fields, ...(existing ? { email: existing.email } : {}) };
      const problems = problemsOf(LeadBody, input, '/data');
      if (problems.length > 0) throw unprocessable('the lead in data is not valid', problems);
      return (await intakeLead(db, temporal.client, config.temporalTaskQueue, input as Static<typeof LeadBody>)).lead;
    }
    const problems = problemsOf(EventData, event.data, '/data');
    if (event.type === 'contract.ended' && (event.data as Static<typeof EventData>).reason === undefined) problems.push({ path: '/data/reason', message: 'is required for contract.ended' });
    if (problems.length > 0) throw unprocessable(`the data of ${event.type} is not valid`, problems);
    if (leadId !== undefined) {
      const lead = await leadById(leadId);
      if (!lead) throw unprocessable('no such lead', [{ path: '/data/leadId', message: 'no lead has this id' }]);
      return lead;
    }
    if (fields.email === undefined) throw unprocessable('the event names no lead', [{ path: '/data/email', message: 'give data.email or data.leadId' }]);
    return (await findLeadByEmail(db, fields.email)) ?? (await intakeLead(db, temporal.client, config.temporalTaskQueue, { email: fields.email })).lead;
  }

  async function leadById(id: string): Promise<Lead | undefined> {
    return UUID_PATTERN.test(id) ? findLead(db, id) : undefined;
  }
};

/** The workflow event a webhook event becomes; lead events need none (intake started the workflow). */
function leadEventOf(event: WebhookEvent): LeadEvent | undefined {
  const data = event.data as Static<typeof EventData>;
  const eventId = `generic:${event.id}`;
  const deal: DealUpdate = { stage: data.stage, amount: data.amount, probability: data.probability, expectedCloseDate: data.expectedCloseDate, ownerEmail: data.ownerEmail };
  switch (event.type) {
    case 'lead.created':
    case 'lead.updated':
      return undefined;
    case 'deal.stage_changed':
      return { kind: 'deal_stage_changed', eventId, deal };
    case 'deal.won':
      return { kind: 'deal_won', eventId, deal };
    case 'deal.lost':
      return { kind: 'deal_lost', eventId, reason: data.reason };
    case 'contract.ended':
      return { kind: 'contract_ended', eventId, reason: data.reason ?? 'unknown' };
    case 'contact.unsubscribed':
      return { kind: 'unsubscribed', eventId };
  }
}
