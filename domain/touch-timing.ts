import { type FrequencyCap, nextAllowedByCap } from './frequency-cap.ts';
import { nextOpening, type SendWindow } from './send-window.ts';

/** A rule that can hold a touch back, as the lead's timeline names it. */
export type TouchDelay = 'window' | 'cap';

/** What a touch must respect: the send window, the frequency cap over the lead's recent touches, and the zone `per` is counted in. */
export interface TouchRules {
  window?: SendWindow | null;
  cap?: FrequencyCap | null;
  recentTouchesMs: readonly number[];
  timeZone: string;
}

/**
 * The earliest instant at or after `dueMs` that both the frequency cap and the send window
 * allow, and which of them moved it (in the order they first did), for the lead's timeline.
 */
export function earliestTouchTime(dueMs: number, rules: TouchRules): { atMs: number; delayedBy: TouchDelay[] } {
  const delayedBy: TouchDelay[] = [];
  const delayed = (rule: TouchDelay) => {
    if (!delayedBy.includes(rule)) delayedBy.push(rule);
  };
  // Each round moves the time strictly forward and the cap can only push it to one of the
  // touches' expiries, so a fixed point comes within touches + 2 rounds; the margin is spare.
  const maxRounds = rules.recentTouchesMs.length + 10;
  let atMs = dueMs;
  for (let round = 0; round < maxRounds; round++) {
    const capped = nextAllowedByCap(atMs, rules.recentTouchesMs, rules.cap, rules.timeZone);
    if (capped > atMs) delayed('cap');
    const opened = nextOpening(capped, rules.window);
    if (opened > capped) delayed('window');
    if (opened === atMs) return { atMs, delayedBy };
    atMs = opened;
  }
  throw new Error(
    `touch timing: no instant satisfies both the send window and the frequency cap after ${maxRounds} rounds`,
  );
}
