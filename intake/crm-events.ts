import type pg from 'pg';
import type { Static, TSchema } from 'typebox';
import Value from 'typebox/value';
import { CrmEventData, isRecordReport, type CrmChange, type CrmEvent, type CrmRecordReport } from '../crm/events.ts';
import {
  crmChangeEvents,
  diffCrmRecord,
  modifiedTimeMs,
  type CrmChangeEventType,
  type CrmRecordDiff,
  type CrmRecordFields,
} from '../domain/crm-record-diff.ts';
import { defaultConsent, isConsentSourceName, type Consent } from '../domain/consent.ts';
import type { CrmDealRef } from '../domain/deals.ts';
import { InvalidInput, type InputProblem } from '../domain/errors.ts';
import type { DealUpdate, LeadEvent } from '../domain/lead-events.ts';
import { lockCrmRecordForReport, saveCrmRecordWithReceipt } from '../db/repositories/crm-records.ts';
import { withTransaction } from '../db/transaction.ts';
import { findLead, findLeadByEmail, type Lead } from '../db/repositories/leads.ts';
import { suppress } from '../db/repositories/suppressions.ts';
import { hasReceipt, recordReceipt } from '../db/repositories/webhook-receipts.ts';
import type { IntakeDependencies } from './dependencies.ts';
import { intakeLead, LeadBody } from './lead-intake.ts';
import { signalLead } from './lifecycle-client.ts';

function problemsOf(schema: TSchema, value: unknown, prefix: string): InputProblem[] {
  return Value.Errors(schema, value).map((e) => ({ path: `${prefix}${e.instancePath}`, message: e.message }));
}

/** What applying one CRM event or record did. */
export interface CrmApplyResult {
  received: true;
  /** This delivery was applied before: no second effect. */
  duplicate: boolean;
  leadId: string | null;
  /** The engine events it became (a record that changed nothing becomes none). */
  events: string[];
  /** The followed fields that changed, for a record or a deal or contract event. */
  changed: string[];
  /** Fields the delivery reported with an older modified time than the known value: left as they were. */
  stale: string[];
}

/**
 * Applies one CRM event: finds or creates its lead, delivers the event to the lead's
 * workflow, then records the receipt, so a return (a webhook's 2xx) means the effect is
 * durable and a repeated `(provider, id)` has no second effect. The receipt follows the
 * signal instead of sharing a transaction with it: no database connection is held while
 * Temporal answers (the webhook's throughput was bounded by the pool), and a repeat racing
 * the first delivery is still harmless, because the workflow ignores an event id it has
 * seen. Deal and contract events are reports of the deal's state: they go through the
 * same diff as whole records ({@link applyCrmChange}), so only real changes reach the
 * workflow. An event that cannot be applied (invalid data, an unknown lead) is an
 * {@link InvalidInput}.
 */
export async function applyCrmEvent(
  deps: IntakeDependencies,
  provider: string,
  event: CrmEvent,
): Promise<CrmApplyResult> {
  // A replay is answered before anything is written: resolving a lead event upserts the
  // profile, and an old event sent again must not overwrite newer data. Other events only
  // read the lead (or create it for an unknown address, which a replay's lead no longer
  // is), so their look-up runs beside the receipt check: one round trip less per event.
  // A deal or contract event checks its receipt in its report's transaction instead.
  const upserts = event.type === 'lead.created' || event.type === 'lead.updated';
  const reportFields = reportFieldsOf(event);
  const replayed = (leadId: string | null): CrmApplyResult => ({
    received: true,
    duplicate: true,
    leadId,
    events: [],
    changed: [],
    stale: [],
  });
  if (upserts && (await hasReceipt(deps.db, provider, event.id)))
    return replayed((await knownLead(deps.db, event))?.id ?? null);
  const [seen, lead] =
    upserts || reportFields
      ? [false, await resolveLead(deps, provider, event)]
      : await Promise.all([hasReceipt(deps.db, provider, event.id), resolveLead(deps, provider, event)]);
  if (seen) return replayed(lead.id);
  if (reportFields) return applyReport(deps, provider, reportOfEvent(event, reportFields, lead.id), lead.id);
  const signal = leadEventOf(provider, event);
  if (event.type === 'contact.unsubscribed') await suppress(deps.db, lead.email, unsubscribeReason(provider));
  if (signal) await signalLead(deps.temporal, deps.taskQueue, lead.id, signal);
  const recorded = await recordReceipt(deps.db, provider, event.id);
  return {
    received: true,
    duplicate: !recorded,
    leadId: lead.id,
    events: upserts ? [] : [event.type],
    changed: [],
    stale: [],
  };
}

/**
 * Applies what a CRM mapping produced: a generic event ({@link applyCrmEvent}) or a whole
 * record, which is diffed against the record's last known state so only real changes
 * become events (a deal saved again with only its description edited changes nothing).
 */
export async function applyCrmChange(
  deps: IntakeDependencies,
  provider: string,
  change: CrmChange,
): Promise<CrmApplyResult> {
  if (!isRecordReport(change)) return applyCrmEvent(deps, provider, change);
  const lead =
    (await findLeadByEmail(deps.db, change.email)) ??
    (
      await intakeLead(
        deps.db,
        deps.temporal,
        deps.taskQueue,
        { email: change.email },
        { consentIfNone: crmDefaultConsent(deps, provider, `record ${change.recordId}`) },
      )
    ).lead;
  return applyReport(deps, provider, change, lead.id);
}

/**
 * Diffs a record report against the record's last known state and delivers the events
 * the real changes stand for, in one transaction that holds the record's row: two
 * deliveries of one record are diffed one after the other, and the new state and the
 * receipt are committed only once the workflow has the events (a failed signal rolls
 * both back, and the CRM's retry finds the change again). Event ids derive from the
 * delivery, so a signal repeated by such a retry is ignored by the workflow. Four
 * statements (begin; the receipt check with the lock; the state with the receipt; commit),
 * which is what a deal event's throughput is bounded by on a shared machine (bench/README.md).
 */
async function applyReport(
  deps: IntakeDependencies,
  provider: string,
  report: CrmRecordReport,
  leadId: string,
): Promise<CrmApplyResult> {
  return withTransaction(deps.db, async (client) => {
    const key = { provider, recordId: report.recordId, eventId: report.id };
    // A record stays with the lead it was first seen for (a deal's contact may change email).
    const row = await lockCrmRecordForReport(client, { ...key, kind: report.kind, leadId });
    if (row.seen) return { received: true, duplicate: true, leadId, events: [], changed: [], stale: [] };
    const diff = diffCrmRecord(row.state, { fields: report.fields, modifiedAtMs: modifiedTimeMs(report.modifiedAt) });
    const types = crmChangeEvents(diff);
    for (const type of types) {
      if (type === 'contact.unsubscribed') {
        const lead = await findLead(client, row.leadId);
        if (lead) await suppress(client, lead.email, unsubscribeReason(provider));
      }
      const crmDeal = report.crmDealId === undefined ? undefined : { provider, id: report.crmDealId };
      await signalLead(
        deps.temporal,
        deps.taskQueue,
        row.leadId,
        leadEventOfChange(provider, type, `${provider}:${report.id}:${type}`, diff, crmDeal),
      );
    }
    await saveCrmRecordWithReceipt(client, key, diff.next);
    return {
      received: true,
      duplicate: false,
      leadId: row.leadId,
      events: types,
      changed: Object.keys(diff.changes),
      stale: diff.stale,
    };
  });
}

/**
 * What a generic deal or contract event reports of its deal record; undefined for the
 * other events, which are not reports. Read from the event alone, so a report is known
 * before its lead is.
 */
function reportFieldsOf(event: CrmEvent): CrmRecordFields | undefined {
  const data = event.data as Static<typeof CrmEventData>;
  const outcome = { 'deal.stage_changed': 'open', 'deal.won': 'won', 'deal.lost': 'lost' } as const;
  switch (event.type) {
    case 'deal.stage_changed':
    case 'deal.won':
    case 'deal.lost':
    case 'deal.updated':
      return {
        ...(event.type === 'deal.updated' ? {} : { outcome: outcome[event.type] }),
        stage: data.stage,
        amount: data.amount,
        probability: data.probability,
        expectedCloseDate: data.expectedCloseDate,
        ownerEmail: data.ownerEmail,
        ...(event.type === 'deal.lost' ? { lostReason: data.reason } : {}),
      };
    case 'contract.ended':
      return { contractEndReason: data.reason, contractEndDate: data.endedAt };
    default:
      return undefined;
  }
}

/**
 * A generic deal or contract event as a report of its deal record (`fields` from
 * {@link reportFieldsOf}): the deal named by `data.dealId`, else the lead's one generic deal.
 */
function reportOfEvent(event: CrmEvent, fields: CrmRecordFields, leadId: string): CrmRecordReport {
  const data = event.data as Static<typeof CrmEventData>;
  return {
    id: event.id,
    occurredAt: event.occurredAt,
    kind: 'deal',
    recordId: data.dealId === undefined ? `lead:${leadId}` : `deal:${data.dealId}`,
    crmDealId: data.dealId,
    // The generic format's occurredAt is when the change happened in the CRM.
    modifiedAt: event.occurredAt,
    email: '',
    fields,
  };
}

/** The workflow event one change of a record stands for, carrying the record's known fields. */
function leadEventOfChange(
  provider: string,
  type: CrmChangeEventType,
  eventId: string,
  diff: CrmRecordDiff,
  crmDeal: CrmDealRef | undefined,
): LeadEvent {
  const f = diff.next.fields;
  const deal: DealUpdate = {
    stage: f.stage,
    amount: f.amount,
    probability: f.probability,
    expectedCloseDate: f.expectedCloseDate,
    ownerEmail: f.ownerEmail,
  };
  const context = { ...(crmDeal ? { crmDeal } : {}), changes: diff.changes };
  switch (type) {
    case 'deal.stage_changed':
      return { kind: 'deal_stage_changed', eventId, deal, ...context };
    case 'deal.won':
      return { kind: 'deal_won', eventId, deal, ...context };
    case 'deal.lost':
      return { kind: 'deal_lost', eventId, reason: f.lostReason ?? f.stage, ...context };
    case 'deal.updated':
      return { kind: 'deal_updated', eventId, deal, ...context };
    case 'contract.ended':
      return {
        kind: 'contract_ended',
        eventId,
        reason: f.contractEndReason ?? 'unknown',
        ...(f.contractEndDate === undefined ? {} : { endedAt: f.contractEndDate }),
      };
    case 'contact.unsubscribed':
      return { kind: 'unsubscribed', eventId, reason: unsubscribeReason(provider) };
  }
}

/** Whether YYYY-MM-DD names a day that exists (not 2027-02-30). */
const realDay = (text: string): boolean => {
  const day = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(day.getTime()) && day.toISOString().startsWith(text);
};

/** The lead an event names, if it exists; nothing is written. */
async function knownLead(db: pg.Pool, event: CrmEvent): Promise<Lead | undefined> {
  if (event.data.leadId !== undefined) return findLead(db, event.data.leadId);
  return event.data.email === undefined ? undefined : findLeadByEmail(db, event.data.email);
}

/** The lead the event is about: lead events create or update it; others create it when the address is new. */
async function resolveLead(deps: IntakeDependencies, provider: string, event: CrmEvent): Promise<Lead> {
  const { db } = deps;
  const { leadId, ...fields } = event.data;
  if (event.type === 'lead.created' || event.type === 'lead.updated') {
    const existing = leadId !== undefined ? await findLead(db, leadId) : undefined;
    const input = { ...fields, ...(existing ? { email: existing.email } : {}) };
    const problems = problemsOf(LeadBody, input, '/data');
    if (problems.length > 0) throw new InvalidInput('the lead in data is not valid', problems);
    const lead = input as Static<typeof LeadBody>;
    // The CRM writes this lead's profile: a lead without a basis gets the CRM's default,
    // whether the CRM created it or it came earlier from elsewhere (the order of arrival
    // does not decide the record); a basis given in data or already stored is kept.
    const evidence = lead.externalId === undefined ? `event ${event.id}` : `record ${lead.externalId}`;
    return (
      await intakeLead(db, deps.temporal, deps.taskQueue, lead, {
        consentIfNone: crmDefaultConsent(deps, provider, evidence),
      })
    ).lead;
  }
  const problems = problemsOf(CrmEventData, event.data, '/data');
  const data = event.data as Static<typeof CrmEventData>;
  if (event.type === 'contract.ended' && data.reason === undefined)
    problems.push({ path: '/data/reason', message: 'is required for contract.ended' });
  if (data.endedAt !== undefined && !realDay(data.endedAt))
    problems.push({ path: '/data/endedAt', message: 'is not a day of the calendar' });
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
    (
      await intakeLead(
        db,
        deps.temporal,
        deps.taskQueue,
        { email: fields.email },
        { consentIfNone: crmDefaultConsent(deps, provider, `event ${event.id}`) },
      )
    ).lead
  );
}

/**
 * The consent record `CONSENT_DEFAULTS` gives a lead from this CRM (made now, its source
 * naming the CRM, `evidence` the CRM's record or event), or undefined when none is configured.
 */
function crmDefaultConsent(deps: IntakeDependencies, provider: string, evidence: string): Consent | undefined {
  if (!isConsentSourceName(provider)) return undefined;
  const basis = deps.consentDefaults?.[provider];
  return basis === undefined ? undefined : defaultConsent(provider, basis, new Date(), evidence);
}

/** What the suppression list and the timeline say of an opt-out a CRM reported. */
const unsubscribeReason = (provider: string): string => `unsubscribed via ${provider === 'generic' ? 'CRM' : provider}`;

/** The workflow event a webhook event that is not a deal report becomes; lead events need none (intake started the workflow). */
function leadEventOf(provider: string, event: CrmEvent): LeadEvent | undefined {
  return event.type === 'contact.unsubscribed'
    ? { kind: 'unsubscribed', eventId: `${provider}:${event.id}`, reason: unsubscribeReason(provider) }
    : undefined;
}
