import type pg from 'pg';
import type { Static, TSchema } from 'typebox';
import Value from 'typebox/value';
import { CrmEventData, type CrmEvent } from '../crm/events.ts';
import { InvalidInput, type InputProblem } from '../domain/errors.ts';
import type { DealUpdate, LeadEvent } from '../domain/lead-events.ts';
import { findLead, findLeadByEmail, type Lead } from '../db/repositories/leads.ts';
import { suppress } from '../db/repositories/suppressions.ts';
import { hasReceipt, recordReceipt } from '../db/repositories/webhook-receipts.ts';
import type { IntakeDependencies } from './dependencies.ts';
import { intakeLead, LeadBody } from './lead-intake.ts';
import { signalLead } from './lifecycle-client.ts';

function problemsOf(schema: TSchema, value: unknown, prefix: string): InputProblem[] {
  return Value.Errors(schema, value).map((e) => ({ path: `${prefix}${e.instancePath}`, message: e.message }));
}

/**
 * Applies one CRM event: finds or creates its lead, delivers the event to the lead's
 * workflow, then records the receipt, so a return (a webhook's 2xx) means the effect is
 * durable and a repeated `(provider, id)` has no second effect. The receipt follows the
 * signal instead of sharing a transaction with it: no database connection is held while
 * Temporal answers (the webhook's throughput was bounded by the pool), and a repeat racing
 * the first delivery is still harmless, because the workflow ignores an event id it has
 * seen. An event that cannot be applied (invalid data, an unknown lead) is an
 * {@link InvalidInput}.
 */
export async function applyCrmEvent(
  deps: IntakeDependencies,
  provider: string,
  event: CrmEvent,
): Promise<{ received: true; duplicate: boolean; leadId: string | null }> {
  // A replay is answered before anything is written: resolving a lead event upserts the
  // profile, and an old event sent again must not overwrite newer data. Other events only
  // read the lead (or create it for an unknown address, which a replay's lead no longer
  // is), so their look-up runs beside the receipt check: one round trip less per event.
  const upserts = event.type === 'lead.created' || event.type === 'lead.updated';
  const replayed = () => ({ received: true as const, duplicate: true, leadId: null as string | null });
  if (upserts && (await hasReceipt(deps.db, provider, event.id)))
    return { ...replayed(), leadId: (await knownLead(deps.db, event))?.id ?? null };
  const [seen, lead] = upserts
    ? [false, await resolveLead(deps, event)]
    : await Promise.all([hasReceipt(deps.db, provider, event.id), resolveLead(deps, event)]);
  if (seen) return { ...replayed(), leadId: lead.id };
  const signal = leadEventOf(provider, event);
  if (event.type === 'contact.unsubscribed') await suppress(deps.db, lead.email, unsubscribeReason(provider));
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
async function resolveLead(deps: IntakeDependencies, event: CrmEvent): Promise<Lead> {
  const { db } = deps;
  const { leadId, ...fields } = event.data;
  if (event.type === 'lead.created' || event.type === 'lead.updated') {
    const existing = leadId !== undefined ? await findLead(db, leadId) : undefined;
    const input = { ...fields, ...(existing ? { email: existing.email } : {}) };
    const problems = problemsOf(LeadBody, input, '/data');
    if (problems.length > 0) throw new InvalidInput('the lead in data is not valid', problems);
    return (await intakeLead(db, deps.temporal, deps.taskQueue, input as Static<typeof LeadBody>)).lead;
  }
  const problems = problemsOf(CrmEventData, event.data, '/data');
  if (event.type === 'contract.ended' && (event.data as Static<typeof CrmEventData>).reason === undefined)
    problems.push({ path: '/data/reason', message: 'is required for contract.ended' });
  if (problems.length > 0) throw new InvalidInput(`the data of ${event.type} is not valid`, problems);
  if (leadId !== undefined) {
    const lead = await findLead(db, leadId);
    if (!lead) throw new InvalidInput('no such lead', [{ path: '/data/leadId', message: 'no lead has this id' }]);
    return lead;
  }
  if (fields.email === undefined)
    throw new InvalidInput('the event names no lead', [
      { path: '/data/email', message: 'give data.email or data.leadId' },
    ]);
  return (
    (await findLeadByEmail(db, fields.email)) ??
    (await intakeLead(db, deps.temporal, deps.taskQueue, { email: fields.email })).lead
  );
}

/** What the suppression list and the timeline say of an opt-out a CRM reported. */
const unsubscribeReason = (provider: string): string => `unsubscribed via ${provider === 'generic' ? 'CRM' : provider}`;

/** The workflow event a webhook event becomes; lead events need none (intake started the workflow). */
function leadEventOf(provider: string, event: CrmEvent): LeadEvent | undefined {
  const data = event.data as Static<typeof CrmEventData>;
  const eventId = `${provider}:${event.id}`;
  const deal: DealUpdate = {
    stage: data.stage,
    amount: data.amount,
    probability: data.probability,
    expectedCloseDate: data.expectedCloseDate,
    ownerEmail: data.ownerEmail,
  };
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
      return { kind: 'unsubscribed', eventId, reason: unsubscribeReason(provider) };
  }
}
