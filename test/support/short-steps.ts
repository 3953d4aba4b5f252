import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { auth, mailTo, waitFor } from './services.ts';

// Tests that change something between two short cadence steps (an edit, a move) race the
// second step. Each waits until the second step is scheduled, makes its change, and then
// guards: the change must have landed before that step was due, else the run proves
// nothing and fails rather than passing (or failing) by timing.

/**
 * Waits until the lead's first email arrived and its second step is waiting on its timer:
 * the lead shows one touch and a next touch due after the first email was seen. Answers
 * when that step is due (ms since the epoch).
 */
export async function secondStepUnderWay(app: FastifyInstance, leadId: string, email: string): Promise<number> {
  await waitFor(async () => (await mailTo(email)).length === 1, 'the first email');
  const firstSeenAt = Date.now();
  return waitFor(async () => {
    const lead = (await app.inject({ method: 'GET', url: `/v1/leads/${leadId}`, headers: auth })).json<{
      touches: number;
      nextTouchAt: string | null;
    }>();
    return (
      lead.touches === 1 &&
      lead.nextTouchAt !== null &&
      Date.parse(lead.nextTouchAt) > firstSeenAt &&
      Date.parse(lead.nextTouchAt)
    );
  }, 'the second step to be scheduled');
}

/** The guard of a race against a short step: the change must have landed before the step was due. */
export const landedBefore = (due: number, what: string) =>
  expect(Date.now(), `${what} landed before the second step was due (else this run proves nothing)`).toBeLessThan(due);
