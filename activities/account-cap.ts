import { accountCapWindowMs, type PerAccountCap } from '../domain/account-cap.ts';
import { claimAccountSlot, releaseAccountSlot } from '../db/repositories/account-touch-claims.ts';
import type { ActivityDependencies } from './dependencies.ts';

/** A touch asking for a slot under its cadence's perAccountCap. */
export interface ReserveAccountTouchInput {
  leadId: string;
  /** The touch's idempotency key: one claim per touch, however often it is asked for. */
  touchKey: string;
  cap: PerAccountCap;
  /** The month's guarantee touch: never held, still counted. */
  force: boolean;
}

/** The answer: go, or wait until `until` (ISO 8601) and ask again. */
export type ReserveAccountTouchResult = { granted: true } | { granted: false; until: string; counted: number };

/** The per-account cap's reservation and its release, around a touch. */
export function createAccountCapActivities(deps: ActivityDependencies) {
  const { db } = deps;
  return {
    /** Reserves one of the account's slots for the touch, or says until when it is held (race-free: see claimAccountSlot). */
    async reserveAccountTouch(input: ReserveAccountTouchInput): Promise<ReserveAccountTouchResult> {
      // Validated with the cadence; a cap saved before that check counts a week.
      const windowMs = accountCapWindowMs(input.cap.per) ?? 7 * 86_400_000;
      const slot = await claimAccountSlot(db, {
        leadId: input.leadId,
        touchKey: input.touchKey,
        touches: input.cap.touches,
        windowMs,
        force: input.force,
      });
      return slot.granted
        ? { granted: true }
        : { granted: false, until: slot.until.toISOString(), counted: slot.counted };
    },

    /** Gives a reserved slot back when the touch did not reach the lead. */
    async releaseAccountTouch(input: { touchKey: string }): Promise<void> {
      await releaseAccountSlot(db, input.touchKey);
    },
  };
}
