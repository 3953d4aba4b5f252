import type { SkipReason } from './broadcasts.ts';
import { type FrequencyCap, nextAllowedByCap } from './frequency-cap.ts';
import type { Stage } from './lead.ts';
import { nextOpening, type SendWindow } from './send-window.ts';

/** The stages whose leads receive marketing email; a one-off send to a lead elsewhere is skipped. */
export const ONE_OFF_STAGES: ReadonlySet<Stage> = new Set(['nurturing', 'customer', 'reactivation']);

/** What the decision reads of the lead and its cadence at the moment a one-off send is due. */
export interface OneOffLead {
  stage: Stage;
  paused: boolean;
  doNotContact: boolean;
  emailSuppressed: boolean;
  /** No consent basis under CONSENT_REQUIRED. */
  emailBlocked: boolean;
  /** Touches that reached the lead, as the cap and the monthly guarantee count them. */
  reachedMs: readonly number[];
  timeZone: string;
  rules: {
    sendWindow?: SendWindow | null | undefined;
    frequencyCap?: FrequencyCap | null | undefined;
    minGap?: string | undefined;
  };
}

/** Send now, hold until the send window opens, or skip for a reason. */
export type OneOffDecision =
  { kind: 'send' } | { kind: 'hold'; untilMs: number } | { kind: 'skip'; reason: SkipReason };

/**
 * What a lead's lifecycle does with a broadcast's email at `nowMs`, by the rules a cadence
 * touch keeps: only leads in a stage that receives marketing email; never to a
 * do-not-contact, suppressed, unconsented or paused lead; held until the send window opens;
 * and, since a broadcast has a date of its own and is not one of the lead's steps, skipped
 * (not queued for weeks) when the frequency cap or the minimum gap has no room now.
 * The window is judged first: a lead held overnight is judged on the cap when it opens.
 */
export function decideOneOffSend(lead: OneOffLead, nowMs: number): OneOffDecision {
  if (lead.doNotContact) return { kind: 'skip', reason: 'do_not_contact' };
  if (lead.emailSuppressed) return { kind: 'skip', reason: 'email_suppressed' };
  if (!ONE_OFF_STAGES.has(lead.stage)) return { kind: 'skip', reason: 'stage' };
  if (lead.emailBlocked) return { kind: 'skip', reason: 'no_consent' };
  if (lead.paused) return { kind: 'skip', reason: 'paused' };
  const opening = nextOpening(nowMs, lead.rules.sendWindow ?? null);
  if (opening > nowMs) return { kind: 'hold', untilMs: opening };
  if (nextAllowedByCap(nowMs, lead.reachedMs, lead.rules.frequencyCap ?? null, lead.timeZone) > nowMs)
    return { kind: 'skip', reason: 'frequency_cap' };
  const gap = lead.rules.minGap === undefined ? null : { max: 1, per: lead.rules.minGap };
  if (nextAllowedByCap(nowMs, lead.reachedMs, gap, lead.timeZone) > nowMs) return { kind: 'skip', reason: 'min_gap' };
  return { kind: 'send' };
}
