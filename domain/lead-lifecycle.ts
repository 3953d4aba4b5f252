// The lifecycle workflow as its callers see it: names and argument types, no workflow
// code. The Temporal client starts and signals it by these (intake/lifecycle-client.ts),
// which lies below workflows/ and must not import the workflow itself.

/** The workflow type of a lead's lifecycle (the exported name in workflows/lead-lifecycle.ts). */
export const LEAD_LIFECYCLE_WORKFLOW = 'leadLifecycle';

/** The name of the signal that delivers a `LeadEvent` (domain/lead-events.ts) to the lifecycle. */
export const LEAD_EVENT_SIGNAL = 'leadEvent';

/** What a caller starts a lead's lifecycle with. */
export interface LeadLifecycleStart {
  leadId: string;
}

/**
 * The lifecycle's signature as a caller sees it; `workflows/lead-lifecycle.ts` checks at
 * compile time that the workflow still accepts it.
 */
export type LeadLifecycleWorkflow = (input: LeadLifecycleStart) => Promise<void>;
