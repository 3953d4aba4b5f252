/**
 * The CRM is the truth for deals, but CRMs report *edits*, not changes: Zoho's workflow
 * rules fire on every save of a record, HubSpot's fetch returns the whole record whatever
 * property changed, and any delivery may repeat or arrive late. The engine therefore keeps
 * the last known state of every CRM record it follows and turns each delivery into the
 * fields that really changed, and those into events. Pure: `intake/crm-events.ts` loads and
 * stores the state around it.
 */

/** Where a deal stands in the CRM: still open, won or lost. */
export type DealOutcome = 'open' | 'won' | 'lost';

/** The fields of a CRM deal or contact the engine follows; an absent field was not reported. */
export interface CrmRecordFields {
  outcome?: DealOutcome | undefined;
  stage?: string | undefined;
  amount?: number | undefined;
  probability?: number | undefined;
  /** YYYY-MM-DD */
  expectedCloseDate?: string | undefined;
  ownerEmail?: string | undefined;
  lostReason?: string | undefined;
  /** YYYY-MM-DD: the day the customer's contract ends (or ended). */
  contractEndDate?: string | undefined;
  contractEndReason?: string | undefined;
  /** A contact's email opt-out. */
  optOut?: boolean | undefined;
}

/** The name of one followed field. */
export type CrmRecordField = keyof CrmRecordFields;

/** Every followed field, in the order timelines list them. */
export const CRM_RECORD_FIELDS = [
  'outcome',
  'stage',
  'amount',
  'probability',
  'expectedCloseDate',
  'ownerEmail',
  'lostReason',
  'contractEndDate',
  'contractEndReason',
  'optOut',
] as const satisfies readonly CrmRecordField[];

/** A record's last known state: its fields and, per field, the CRM's modified time of the value (ms). */
export interface CrmRecordState {
  fields: CrmRecordFields;
  /** Absent for a value whose delivery carried no modified time. */
  modifiedAtMs: Partial<Record<CrmRecordField, number>>;
}

/** One delivery of a record: what it reported and the CRM's modified time, when it sends one. */
export interface CrmRecordObservation {
  fields: CrmRecordFields;
  modifiedAtMs: number | null;
}

/** One field that changed, from its last known value (null: unknown) to the reported one. */
export interface CrmFieldChange {
  from: string | number | boolean | null;
  to: string | number | boolean;
}

/** The fields that changed, by name. */
export type CrmFieldChanges = Partial<Record<CrmRecordField, CrmFieldChange>>;

/** What a delivery changed, and the state to keep. */
export interface CrmRecordDiff {
  next: CrmRecordState;
  changes: CrmFieldChanges;
  /** Fields the delivery reported with an older modified time than the known value's: left as they were. */
  stale: CrmRecordField[];
}

/** The state of a record never seen before. */
export const UNKNOWN_RECORD: CrmRecordState = { fields: {}, modifiedAtMs: {} };

/**
 * Diffs one delivery against the record's last known state. A field the delivery does
 * not report keeps its value (a blank in the CRM reads as "not reported": a cleared amount
 * keeps the last one). A reported value replaces the known one unless both carry the
 * CRM's modified time and the delivery's is older: a late delivery never undoes a newer
 * change. Equal times apply (a resend of the same version changes nothing anyway); with
 * no modified time, arrival order decides.
 */
export function diffCrmRecord(previous: CrmRecordState, observed: CrmRecordObservation): CrmRecordDiff {
  const fields: CrmRecordFields = { ...previous.fields };
  const modifiedAtMs = { ...previous.modifiedAtMs };
  const changes: CrmFieldChanges = {};
  const stale: CrmRecordField[] = [];
  for (const name of CRM_RECORD_FIELDS) {
    const value = observed.fields[name];
    if (value === undefined) continue;
    const knownAt = previous.modifiedAtMs[name];
    if (observed.modifiedAtMs !== null && knownAt !== undefined && observed.modifiedAtMs < knownAt) {
      if (value !== previous.fields[name]) stale.push(name);
      continue;
    }
    if (observed.modifiedAtMs !== null) modifiedAtMs[name] = observed.modifiedAtMs;
    if (value === previous.fields[name]) continue;
    changes[name] = { from: previous.fields[name] ?? null, to: value };
    (fields as Record<CrmRecordField, unknown>)[name] = value;
  }
  return { next: { fields, modifiedAtMs }, changes, stale };
}

/** The events a change of a CRM record stands for (the generic event types). */
export type CrmChangeEventType =
  'deal.stage_changed' | 'deal.won' | 'deal.lost' | 'deal.updated' | 'contract.ended' | 'contact.unsubscribed';

const DEAL_DETAILS: readonly CrmRecordField[] = ['amount', 'probability', 'expectedCloseDate', 'ownerEmail'];

/**
 * The events a diff stands for. A deal's outcome turning won or lost is `deal.won` or
 * `deal.lost` (so once per win, however often the won deal is saved); turning open, or a
 * new stage of an open deal, is `deal.stage_changed`; amount, probability, close date or
 * owner changing without a stage move is `deal.updated`. A contract end is
 * `contract.ended` when its date or reason changed and a reason is known (a date alone
 * waits for its reason). A contact's opt-out turning true is `contact.unsubscribed`.
 */
export function crmChangeEvents(diff: CrmRecordDiff): CrmChangeEventType[] {
  const { changes, next } = diff;
  const events: CrmChangeEventType[] = [];
  const outcome = next.fields.outcome;
  if (changes.outcome !== undefined) {
    events.push(outcome === 'won' ? 'deal.won' : outcome === 'lost' ? 'deal.lost' : 'deal.stage_changed');
  } else if (changes.stage !== undefined && outcome !== 'won' && outcome !== 'lost') {
    events.push('deal.stage_changed');
  } else if (changes.stage !== undefined || DEAL_DETAILS.some((name) => changes[name] !== undefined)) {
    events.push('deal.updated');
  }
  if (
    (changes.contractEndDate !== undefined || changes.contractEndReason !== undefined) &&
    next.fields.contractEndReason !== undefined
  )
    events.push('contract.ended');
  if (changes.optOut?.to === true) events.push('contact.unsubscribed');
  return events;
}

/** The CRM's modified time as ms since the epoch, or null when absent or not a time. */
export function modifiedTimeMs(text: string | undefined): number | null {
  if (text === undefined || text.trim() === '') return null;
  const ms = Date.parse(text.trim());
  return Number.isFinite(ms) ? ms : null;
}
