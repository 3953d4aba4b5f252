import { type TestWorkflowEnvironment } from '@temporalio/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LeadEvent } from '../../domain/lead-events.ts';
import { nextFiscalYearStart } from '../../domain/reactivation.ts';
import { leadEventSignal } from '../../workflows/lead-events.ts';
import { auth, waitFor } from '../support/services.ts';
import { startSimulatedStack, type SimulatedStack } from '../support/time-skipping.ts';

// Reactivation waits of months, on Temporal's time-skipping test server (docs/testing.md):
// the real workflow and activities, the test database; timers fire as soon as nothing else
// runs, so a fiscal year passes in seconds. The workflow runs on the server's clock.

const TZ = 'Asia/Tokyo';
const DAY = 86_400_000;
const CADENCE = {
  name: 'Long waits',
  nurture: { steps: [{ after: 'P1Y', channel: 'task', title: 'call' }] },
  reactivation: {
    eligibleReasons: ['budget'],
    waitAfterEnd: 'P6M',
    waitByReason: { budget: 'nextFiscalYear' },
    steps: [{ after: 'P1Y', channel: 'task', title: 'call again' }],
  },
  sendWindow: null,
};

let env: TestWorkflowEnvironment;
let app: FastifyInstance;
let sim: SimulatedStack;

beforeAll(async () => {
  sim = await startSimulatedStack();
  ({ env, app } = sim);
  const put = await app.inject({ method: 'PUT', url: '/v1/cadences/long', headers: auth, payload: CADENCE });
  expect(put.statusCode).toBe(201);
}, 120_000);

afterAll(async () => {
  await sim?.stop();
});

const runUntil = (atMs: number) => sim.runUntil(atMs);

const stageOf = async (id: string) =>
  (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{
    stage: string;
    nextTouchAt: string | null;
  }>();

/** A lead the CRM has reported won, on the `long` cadence. */
async function customer(email: string): Promise<{ id: string; signal: (event: LeadEvent) => Promise<void> }> {
  const created = await app.inject({
    method: 'POST',
    url: '/v1/leads',
    headers: auth,
    payload: { email, cadence: 'long', timezone: TZ },
  });
  expect(created.statusCode).toBe(201);
  const { id, workflowId } = created.json<{ id: string; workflowId: string }>();
  const signal = (event: LeadEvent) => env.client.workflow.getHandle(workflowId).signal(leadEventSignal, event);
  await signal({ kind: 'deal_won', eventId: `${email}-won` });
  await waitFor(async () => (await stageOf(id)).stage === 'customer', 'the customer stage');
  return { id, signal };
}

describe('reactivation waits of months', () => {
  it('waits for the next fiscal year for a reason whose wait is nextFiscalYear, then reactivates', async () => {
    const { id, signal } = await customer('fiscal-year@example.jp');
    const endedAt = await env.currentTimeMs();
    await signal({ kind: 'contract_ended', eventId: 'fy-end', reason: 'budget' });
    const april = nextFiscalYearStart(endedAt, TZ);
    const dormant = await waitFor(async () => {
      const lead = await stageOf(id);
      return lead.stage === 'dormant' && lead.nextTouchAt !== null && lead;
    }, 'the dormant stage with its resume time');
    expect(Date.parse(dormant.nextTouchAt as string)).toBe(april);
    await runUntil(april - DAY);
    expect((await stageOf(id)).stage).toBe('dormant');
    await runUntil(april + DAY);
    await waitFor(async () => (await stageOf(id)).stage === 'reactivation', 'reactivation on 1 April');
  });

  it('resumes at the date a person decided, for a reason the cadence would close', async () => {
    const { id, signal } = await customer('decided-date@example.jp');
    const resumeAt = (await env.currentTimeMs()) + 120 * DAY;
    await signal({
      kind: 'reactivation_decided',
      eventId: 'decided-date-1',
      decision: 'resume',
      resumeAt: new Date(resumeAt).toISOString(),
      decidedBy: 'marketer@example.com',
      decidedAt: new Date(await env.currentTimeMs()).toISOString(),
    });
    await signal({ kind: 'contract_ended', eventId: 'decided-date-end', reason: 'competitor' });
    await waitFor(async () => (await stageOf(id)).nextTouchAt === new Date(resumeAt).toISOString(), 'the resume time');
    expect((await stageOf(id)).stage).toBe('dormant');
    await runUntil(resumeAt - DAY);
    expect((await stageOf(id)).stage).toBe('dormant');
    await runUntil(resumeAt + DAY);
    await waitFor(async () => (await stageOf(id)).stage === 'reactivation', 'reactivation at the decided date');
  });
});
