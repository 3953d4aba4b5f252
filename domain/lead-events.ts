import type { CrmFieldChanges } from './crm-record-diff.ts';
import type { CrmDealRef } from './deals.ts';
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
 * What a CRM deal event carries besides its fields: which CRM deal it is about (absent
 * when the CRM does not say, as a generic event without `data.dealId`), and the fields
 * that changed since the engine last saw the deal (for the timeline).
 */
export interface CrmDealContext {
  crmDeal?: CrmDealRef | undefined;
  changes?: CrmFieldChanges | undefined;
}

/**
 * Everything that can happen to a lead from outside, delivered by the one `leadEvent`
 * signal. `eventId` is the source's id: the workflow ignores an id it has seen.
 */
export type LeadEvent =
  | { kind: 'engagement'; eventId: string; type: EventType; occurredAtMs: number }
  | ({ kind: 'deal_stage_changed'; eventId: string; deal: DealUpdate } & CrmDealContext)
  | ({ kind: 'deal_won'; eventId: string; deal?: DealUpdate | undefined } & CrmDealContext)
  | ({ kind: 'deal_lost'; eventId: string; reason?: string | undefined } & CrmDealContext)
  /** Amount, probability, close date or owner of a deal changed without a stage move. */
  | ({ kind: 'deal_updated'; eventId: string; deal: DealUpdate } & CrmDealContext)
  | {
      kind: 'contract_ended';
      eventId: string;
      reason: string;
      /**
       * The day the contract ends or ended (ISO date, YYYY-MM-DD), when the CRM says:
       * generic `data.endedAt`, Zoho `contract_end_date`, HubSpot's
       * HUBSPOT_CONTRACT_END_DATE_PROPERTY. Absent: the event's arrival stands for it.
       */
      endedAt?: string;
    }
  | { kind: 'unsubscribed'; eventId: string }
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
