import type { Stage } from './lead.ts';
import type { EventType } from './scoring.ts';

/** Deal fields a CRM reports; each is optional, an absent one keeps its value. */
export interface DealUpdate {
  stage?: string | undefined;
  amount?: number | undefined;
  probability?: number | undefined;
  /** YYYY-MM-DD */
  expectedCloseDate?: string | undefined;
  ownerEmail?: string | undefined;
}

/**
 * Everything that can happen to a lead from outside, delivered by the one `leadEvent`
 * signal. `eventId` is the source's id: the workflow ignores an id it has seen.
 */
export type LeadEvent =
  | { kind: 'engagement'; eventId: string; type: EventType; occurredAtMs: number }
  | { kind: 'deal_stage_changed'; eventId: string; deal: DealUpdate }
  | { kind: 'deal_won'; eventId: string; deal?: DealUpdate | undefined }
  | { kind: 'deal_lost'; eventId: string; reason?: string | undefined }
  | { kind: 'contract_ended'; eventId: string; reason: string }
  /**
   * The lead opted out of email (a link, one-click, its CRM) or complained about one:
   * `reason` is what the suppression list records (`unsubscribed`, `unsubscribed via zoho`,
   * `complaint`); absent in events sent before it existed.
   */
  | { kind: 'unsubscribed'; eventId: string; reason?: string | undefined }
  | { kind: 'email_bounced'; eventId: string; hard: boolean }
  | { kind: 'do_not_contact'; eventId: string }
  | { kind: 'pause'; eventId: string }
  | { kind: 'resume'; eventId: string }
  /**
   * The lead's owner completed a task about it (`POST /v1/tasks/:id/complete`): a touch
   * that reached the lead. The API has written it on the timeline already.
   */
  | { kind: 'task_completed'; eventId: string; taskId: string; completedAtMs: number }
  /** A marketer moved the lead by hand (`POST /v1/leads/:id/stage`). */
  | { kind: 'stage_moved'; eventId: string; stage: Stage; reason?: string | undefined };
