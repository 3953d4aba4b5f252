import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { leadWorkflowId } from '../../domain/lead.ts';
import type { LeadEvent } from '../../domain/lead-events.ts';
import { leadStateQuery } from '../../workflows/lead-events.ts';
import { auth, waitFor } from './services.ts';

/** A deal as `GET /v1/leads/:id/deals` answers it (what sequences compare). */
export interface DealView {
  kind: string;
  status: string;
  stage: string | null;
  amount: number | null;
  probability: number | null;
  expectedCloseDate: string | null;
  lastStageChangeAt: string;
  closedAt: string | null;
  history: { stage: string | null; status: string }[];
}

/** What a step expects of a deal: any of its fields, and of its history entries. */
export type DealExpectation = Partial<Omit<DealView, 'history'>> & { history?: Partial<DealView['history'][number]>[] };

/**
 * One step of a realistic CRM sequence: what the CRM sends, and the lead after it. `events`
 * are the workflow events (LeadEvent kinds) this step must deliver, no more, no fewer;
 * `deals` the lead's deals newest first, compared field by field; `changed` the fields the
 * timeline entry of the step's deal event names as changed.
 */
export interface CrmStep {
  name: string;
  send: () => Promise<unknown>;
  events: LeadEvent['kind'][];
  stage: string;
  deals: DealExpectation[];
  changed?: string[];
  /** The step's contract end date, when it ends a contract. */
  endedAt?: string;
  /** More checks, given the deals before and after. */
  check?: (before: DealView[], after: DealView[]) => void;
}

/** The CRM events (not engagement) the lead's workflow received by signal, in order. */
export async function signalledEvents(client: Client, leadId: string): Promise<LeadEvent[]> {
  const history = await client.workflow.getHandle(leadWorkflowId(leadId)).fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes?.input?.payloads?.[0])
    .filter((p) => p != null)
    .map((p) => defaultPayloadConverter.fromPayload<LeadEvent>(p))
    .filter((e) => e.kind !== 'engagement');
}

/** Waits until the lead's workflow has nothing in flight: no activity, no task, no event unhandled. */
export async function settledLead(client: Client, leadId: string): Promise<void> {
  const handle = client.workflow.getHandle(leadWorkflowId(leadId));
  await waitFor(async () => {
    const { raw } = await handle.describe();
    return (
      (raw.pendingActivities?.length ?? 0) === 0 &&
      !raw.pendingWorkflowTask &&
      (await handle.query(leadStateQuery)).pendingEvents === 0
    );
  }, `lead ${leadId}'s workflow to settle`);
}

/**
 * Replays the steps against the lead `leadId()` names (known after the first step), and
 * after each asserts the events its workflow received, its stage, its deals and what the
 * timeline says changed.
 */
export async function runCrmSequence(
  app: FastifyInstance,
  client: Client,
  leadId: () => Promise<string>,
  steps: CrmStep[],
): Promise<void> {
  let seen = 0;
  let before: DealView[] = [];
  for (const step of steps) {
    await step.send();
    const id = await leadId();
    // A signal reaches the history once the workflow task in flight completes.
    await settledLead(client, id);
    const events = await signalledEvents(client, id);
    expect(
      events.slice(seen).map((e) => e.kind),
      `${step.name}: the events delivered`,
    ).toEqual(step.events);
    seen = events.length;
    if (step.endedAt !== undefined)
      expect(events.at(-1), `${step.name}: the contract end date`).toMatchObject({
        kind: 'contract_ended',
        endedAt: step.endedAt,
      });
    const lead = (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{ stage: string }>();
    expect(lead.stage, `${step.name}: the stage`).toBe(step.stage);
    const deals = (await app.inject({ method: 'GET', url: `/v1/leads/${id}/deals`, headers: auth })).json<{
      items: DealView[];
    }>().items;
    expect(deals, `${step.name}: the deals`).toMatchObject(step.deals);
    if (step.changed !== undefined) {
      const timeline = (await app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth })).json<{
        items: { kind: string; detail: { changed?: Record<string, unknown> } }[];
      }>().items;
      const last = timeline.filter((e) => e.kind.startsWith('deal_')).at(-1);
      expect(Object.keys(last?.detail.changed ?? {}).sort(), `${step.name}: the changed fields`).toEqual(
        [...step.changed].sort(),
      );
    }
    step.check?.(before, deals);
    before = deals;
  }
}
