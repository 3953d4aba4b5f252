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
       * When the contract ends or ended (ISO date YYYY-MM-DD, or a date-time), when the CRM
       * says: generic `data.endedAt`, Zoho `contract_end_date`, HubSpot's
       * HUBSPOT_CONTRACT_END_DATE_PROPERTY. The reactivation wait counts from it; absent,
       * from when the workflow handles the event.
       */
      endedAt?: string;
    }
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
  /**
   * A person decided the account's reactivation (`POST /v1/leads/:id/reactivation`): it
   * overrides the cadence's reason list at the contract end (or now, for a dormant lead).
   */
  | {
      kind: 'reactivation_decided';
      eventId: string;
      decision: 'resume' | 'close';
      /** ISO date-time to resume at; absent: after the cadence's wait for the end reason. */
      resumeAt?: string | undefined;
      /** The cadence to resume on; absent: the lead's own. */
      cadence?: string | undefined;
      note?: string | undefined;
      decidedBy: string;
      decidedAt: string;
    }
  /** A marketer moved the lead by hand (`POST /v1/leads/:id/stage`). */
  | { kind: 'stage_moved'; eventId: string; stage: Stage; reason?: string | undefined };
