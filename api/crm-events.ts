import type { Client } from '@temporalio/client';
import type pg from 'pg';
import Type, { type Static, type TSchema } from 'typebox';
import Value from 'typebox/value';
import { findLead, findLeadByEmail, type Lead } from '../db/repositories/leads.ts';
import { suppress } from '../db/repositories/suppressions.ts';
import { hasReceipt, recordReceipt } from '../db/repositories/webhook-receipts.ts';
import type { DealUpdate, LeadEvent } from '../workflows/lead-events.ts';
import { unprocessable } from './http-errors.ts';
import { EMAIL_PATTERN, intakeLead, LeadBody } from './lead-intake.ts';
import { signalLead } from './lifecycle-client.ts';

/** The CRM event types of DESIGN section 4, whatever CRM they come from. */
export const CRM_EVENT_TYPES = ['lead.created', 'lead.updated', 'deal.stage_changed', 'deal.won', 'deal.lost', 'contract.ended', 'contact.unsubscribed'] as const;

/** A CRM event in the generic format; provider formats are translated into it. */
export const CrmEventSchema = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 200 }),
    type: Type.Enum([...CRM_EVENT_TYPES]),
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

/** A CRM event, as validated. */
export type CrmEvent = Static<typeof CrmEventSchema>;

function problemsOf(schema: TSchema, value: unknown, prefix: string): { path: string; message: string }[] {
  return Value.Errors(schema, value).map((e) => ({ path: `${prefix}${e.instancePath}`, message: e.message }));
}

interface Deps {
  db: pg.Pool;
  temporal: Client;
  taskQueue: string;
}

/**
 * Applies one CRM event: finds or creates its lead, delivers the event to the lead's
 * workflow, then records the receipt, so a 2xx means the effect is durable and a repeated
 * `(provider, id)` has no second effect. The receipt follows the signal instead of sharing
 * a transaction with it: no database connection is held while Temporal answers (the
 * webhook's throughput was bounded by the pool), and a repeat racing the first delivery is
 * still harmless, because the workflow ignores an event id it has seen.
 */
export async function applyCrmEvent(deps: Deps, provider: string, event: CrmEvent): Promise<{ received: true; duplicate: boolean; leadId: string | null }> {
  // A replay is answered before anything is written: resolving a lead event upserts the
  // profile, and an old event sent again must not overwrite newer data. Other events only
  // read the lead (or create it for an unknown address, which a replay's lead no longer
  // is), so their look-up runs beside the receipt check: one round trip less per event.
  const upserts = event.type === 'lead.created' || event.type === 'lead.updated';
  const replayed = () => ({ received: true as const, duplicate: true, leadId: null as string | null });
  if (upserts && (await hasReceipt(deps.db, provider, event.id))) return { ...replayed(), leadId: (await knownLead(deps.db, event))?.id ?? null };
  const [seen, lead] = upserts ? [false, await resolveLead(deps, event)] : await Promise.all([hasReceipt(deps.db, provider, event.id), resolveLead(deps, event)]);
  if (seen) return { ...replayed(), leadId: lead.id };
  const signal = leadEventOf(provider, event);
  if (event.type === 'contact.unsubscribed') await suppress(deps.db, lead.email, `unsubscribed via ${provider === 'generic' ? 'CRM' : provider}`);
  if (signal) await signalLead(deps.temporal, deps.taskQueue, lead.id, signal);
  const recorded = await recordReceipt(deps.db, provider, event.id);
  return { received: true, duplicate: !recorded, leadId: lead.id };
}

/** The lead an event names, if it exists; nothing is written. */
async function knownLead(db: pg.Pool, event: CrmEvent): Promise<Lead | undefined> {
  if (event.data.leadId !== undefined) return findLead(db, event.data.leadId);
  return event.data.email === undefined ? undefined : findLeadByEmail(db, event.data.email);
}

/** The lead the event is about: lead events create or update it; others create it when the address is new. */
async function resolveLead(deps: Deps, event: CrmEvent): Promise<Lead> {
  const { db } = deps;
  const { leadId, ...fields } = event.data;
  if (event.type === 'lead.created' || event.type === 'lead.updated') {
    const existing = leadId !== undefined ? await findLead(db, leadId) : undefined;
    const input = { ...fields, ...(existing ? { email: existing.email } : {}) };
    const problems = problemsOf(LeadBody, input, '/data');
    if (problems.length > 0) throw unprocessable('the lead in data is not valid', problems);
    return (await intakeLead(db, deps.temporal, deps.taskQueue, input as Static<typeof LeadBody>)).lead;
  }
  const problems = problemsOf(EventData, event.data, '/data');
  if (event.type === 'contract.ended' && (event.data as Static<typeof EventData>).reason === undefined) problems.push({ path: '/data/reason', message: 'is required for contract.ended' });
  if (problems.length > 0) throw unprocessable(`the data of ${event.type} is not valid`, problems);
  if (leadId !== undefined) {
    const lead = await findLead(db, leadId);
    if (!lead) throw unprocessable('no such lead', [{ path: '/data/leadId', message: 'no lead has this id' }]);
    return lead;
  }
  if (fields.email === undefined) throw unprocessable('the event names no lead', [{ path: '/data/email', message: 'give data.email or data.leadId' }]);
  return (await findLeadByEmail(db, fields.email)) ?? (await intakeLead(db, deps.temporal, deps.taskQueue, { email: fields.email })).lead;
}

/** The workflow event a webhook event becomes; lead events need none (intake started the workflow). */
function leadEventOf(provider: string, event: CrmEvent): LeadEvent | undefined {
  const data = event.data as Static<typeof EventData>;
  const eventId = `${provider}:${event.id}`;
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
