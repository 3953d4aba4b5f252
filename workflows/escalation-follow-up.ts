import { condition, defineSignal, setHandler } from '@temporalio/workflow';
import { ESCALATION_ACKED_SIGNAL } from '../domain/escalation-follow-up.ts';
import { addBusinessTime } from '../domain/business-hours.ts';
import type { SendWindow } from '../domain/send-window.ts';
import { sends } from './activities.ts';

/** What an escalation's follow-up needs: the escalation, when it was made, and the cadence's rules. */
export interface EscalationFollowUpInput {
  escalationId: string;
  createdAtMs: number;
  /** The cadence's `escalation.remindAfter`, counted in the send window's business hours. */
  remindAfter: string;
  sendWindow: SendWindow | null;
}

/** Sent by `POST /v1/escalations/:id/ack`: the rep has it, stop following up. */
export const escalationAckedSignal = defineSignal(ESCALATION_ACKED_SIGNAL);

/**
 * One escalation's follow-up, a small workflow of its own (started by the lead's
 * workflow, outliving it): `remindAfter` business hours after the escalation, unless it
 * was acknowledged, remind its rep once; as long again after that, hand it to the next
 * rep in the rotation (or the sales manager). An acknowledgement ends it at once; each
 * activity also checks the database, so one whose signal was lost still stops it.
 */
export async function escalationFollowUp(input: EscalationFollowUpInput): Promise<'acknowledged' | 'handed_over'> {
  let acked = false;
  setHandler(escalationAckedSignal, () => {
    acked = true;
  });
  const ackedBy = async (atMs: number): Promise<boolean> => {
    const remaining = atMs - Date.now();
    return remaining > 0 ? condition(() => acked, remaining) : acked;
  };

  const remindAtMs = addBusinessTime(input.createdAtMs, input.remindAfter, input.sendWindow);
  if (await ackedBy(remindAtMs)) return 'acknowledged';
  if ((await sends.remindEscalation({ escalationId: input.escalationId, atMs: Date.now() })).acked)
    return 'acknowledged';

  const handOverAtMs = addBusinessTime(remindAtMs, input.remindAfter, input.sendWindow);
  if (await ackedBy(handOverAtMs)) return 'acknowledged';
  if ((await sends.handOverEscalation({ escalationId: input.escalationId, atMs: Date.now() })).acked)
    return 'acknowledged';
  return 'handed_over';
}
