/** The lifecycle stages of DESIGN section 3, the same words in code, API and database. */
export const STAGES = ['nurturing', 'deal', 'customer', 'dormant', 'reactivation', 'closed'] as const;

/** A lead's lifecycle stage. */
export type Stage = (typeof STAGES)[number];

/** Languages templates and pages are written in. */
export const LOCALES = ['ja', 'en'] as const;

/** A lead's language. */
export type Locale = (typeof LOCALES)[number];

/** The workflow id of a lead's lifecycle: the business id, so a lead can never have two. */
export function leadWorkflowId(leadId: string): string {
  return `lead-${leadId}`;
}

/** The lead a workflow id names (`lead-<id>`), or undefined for other workflows. */
export function leadIdOfWorkflowId(workflowId: string): string | undefined {
  return workflowId.startsWith('lead-') ? workflowId.slice('lead-'.length) : undefined;
}

/**
 * The idempotency key of one touch: the workflow id, the stage and the touch's position
 * in it. It does not contain the activity attempt, so a retry finds the same key.
 */
export function touchKey(workflowId: string, stage: Stage, touchNumber: number): string {
  return `${workflowId}/${stage}/${touchNumber}`;
}
