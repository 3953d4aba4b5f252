import type { InputProblem } from './errors.ts';
import { normaliseTag, MAX_TAG_LENGTH } from './segment-query.ts';

/** What a bulk action does to each lead of its selection. */
export const BULK_ACTIONS = [
  'move_cadence',
  'set_owner',
  'pause',
  'resume',
  'add_tag',
  'remove_tag',
  'do_not_contact',
] as const;

/** A bulk action's kind. */
export type BulkActionKind = (typeof BULK_ACTIONS)[number];

/** Where a bulk action is: waiting for its selection, working through it, or finished one way. */
export const BULK_ACTION_STATES = ['pending', 'running', 'completed', 'cancelled', 'failed'] as const;

/** A bulk action's state. */
export type BulkActionState = (typeof BULK_ACTION_STATES)[number];

/** What became of one lead of the selection. */
export type BulkLeadOutcome = 'done' | 'failed' | 'skipped';

/** A bulk action's parameters, by kind (the others take none). */
export interface BulkActionParams {
  /** move_cadence: the cadence key. */
  cadence?: string | undefined;
  /** set_owner: the rep's email; null leaves the leads unassigned. */
  ownerEmail?: string | null | undefined;
  /** add_tag / remove_tag: the tag (normalised here). */
  tag?: string | undefined;
}

const NEEDS: Record<BulkActionKind, readonly (keyof BulkActionParams)[]> = {
  move_cadence: ['cadence'],
  set_owner: ['ownerEmail'],
  pause: [],
  resume: [],
  add_tag: ['tag'],
  remove_tag: ['tag'],
  do_not_contact: [],
};

/**
 * The action's parameters in canonical form (the tag normalised, the owner trimmed and in
 * lower case), or the problems: a parameter the action needs and lacks, or one it does not
 * take, each at `/params/<name>`.
 */
export function normaliseBulkParams(
  action: BulkActionKind,
  params: BulkActionParams,
): { ok: true; params: BulkActionParams } | { ok: false; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const needs = NEEDS[action];
  for (const name of needs)
    if (params[name] === undefined)
      problems.push({ path: `/params/${name}`, message: `${action} needs params.${name}` });
  for (const name of Object.keys(params) as (keyof BulkActionParams)[])
    if (!needs.includes(name) && params[name] !== undefined)
      problems.push({ path: `/params/${name}`, message: `${action} takes no params.${name}` });
  const out: BulkActionParams = {};
  if (params.cadence !== undefined && needs.includes('cadence')) out.cadence = params.cadence;
  if (params.ownerEmail !== undefined && needs.includes('ownerEmail'))
    out.ownerEmail = params.ownerEmail === null ? null : params.ownerEmail.trim().toLowerCase();
  if (params.tag !== undefined && needs.includes('tag')) {
    const tag = normaliseTag(params.tag);
    if (tag.length === 0 || [...tag].length > MAX_TAG_LENGTH)
      problems.push({ path: '/params/tag', message: `a tag has 1 to ${MAX_TAG_LENGTH} characters` });
    out.tag = tag;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, params: out };
}

/** The workflow type that runs a bulk action. */
export const BULK_ACTION_WORKFLOW = 'bulkAction';

/** The id of the workflow that runs bulk action `id`: one run per action, however often it is asked. */
export const bulkActionWorkflowId = (id: string): string => `bulk-action-${id}`;

/**
 * The event id a bulk action's signal to a lead carries: the same on every attempt, so a
 * lead's workflow ignores a repeat (its seen-event list), and a retried page signals once.
 */
export const bulkEventId = (bulkActionId: string, leadId: string): string => `bulk-${bulkActionId}-${leadId}`;

/** The input of the bulk action workflow. */
export interface BulkActionInput {
  bulkActionId: string;
  /** Leads per activity; default 100. */
  pageSize?: number | undefined;
  /** Set when the run continued as new: the selection is taken already. */
  selected?: boolean | undefined;
}
