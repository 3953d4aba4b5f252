import { ActivityFailure, condition, defineQuery, defineSignal, setHandler } from '@temporalio/workflow';
import { BROADCAST_CONTROL_SIGNAL, type BroadcastControl, type BroadcastStart } from '../domain/broadcasts.ts';
import { broadcastSteps } from './activities.ts';

/** How long a paused broadcast waits for its resume signal before it asks the store again. */
const RECHECK = '1 minute';

/** Pause, resume or cancel, sent by the API after it has changed the broadcast's state. */
export const broadcastControlSignal = defineSignal<[BroadcastControl]>(BROADCAST_CONTROL_SIGNAL);

/** Where the broadcast workflow is: waiting for its time, handing over, held by a pause, or finished. */
export type BroadcastPhase = 'waiting' | 'handing_over' | 'paused' | 'finished';

/** The workflow's phase and how many leads it has handed over. */
export const broadcastPhaseQuery = defineQuery<{ phase: BroadcastPhase; handedOver: number }>('broadcastPhase');

/**
 * One broadcast: waits until its time, freezes the recipient list, then hands the
 * recipients to their lifecycles batch by batch (each lead's own workflow sends, by the
 * cadence's rules). A pause holds it between batches, a cancel ends it; the API changes
 * the stored state first, so the activities refuse to hand over while paused or cancelled
 * even before the signal arrives.
 */
export async function broadcast(input: BroadcastStart): Promise<void> {
  let paused = false;
  let cancelled = false;
  let phase: BroadcastPhase = 'waiting';
  let handedOver = 0;
  setHandler(broadcastControlSignal, ({ action }) => {
    if (action === 'cancel') cancelled = true;
    else paused = action === 'pause';
  });
  setHandler(broadcastPhaseQuery, () => ({ phase: paused && !cancelled ? 'paused' : phase, handedOver }));

  // Its time, held further by a pause; a cancel ends the wait at once.
  for (;;) {
    const remaining = input.sendAtMs - Date.now();
    if (remaining > 0) await condition(() => cancelled, remaining);
    if (cancelled) return finish();
    if (Date.now() < input.sendAtMs) continue;
    if (!paused) break;
    // The stored state is asked again now and then, should a resume's signal never come.
    if (!(await condition(() => !paused || cancelled, RECHECK))) break;
  }
  phase = 'handing_over';
  try {
    await broadcastSteps.freezeBroadcastRecipients(input.broadcastId);
    for (;;) {
      if (paused) await condition(() => !paused || cancelled, RECHECK);
      if (cancelled) return finish();
      const batch = await broadcastSteps.handOverBroadcastBatch(input.broadcastId);
      handedOver += batch.handedOver;
      if (batch.state === 'cancelled') return finish();
      // Paused in the store before its signal arrived: give the signal a moment, then ask the store again.
      if (batch.state === 'paused') {
        if (!paused) await condition(() => paused || cancelled, '10 seconds');
        continue;
      }
      if (batch.handedOver === 0) break;
    }
    await broadcastSteps.completeBroadcast(input.broadcastId);
  } catch (error) {
    // A broadcast deleted meanwhile or a segment that is gone: nothing more to hand over.
    if (!(error instanceof ActivityFailure)) throw error;
  }
  return finish();

  function finish(): void {
    phase = 'finished';
  }
}
