import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findLeadByEmail } from '../../db/repositories/leads.ts';
import { runCrmSequence, settledLead, type DealView } from '../support/crm-sequences.ts';
import { postGenericCrmEvent } from '../support/generic-crm.ts';
import { auth, startTestServices, waitFor } from '../support/services.ts';

// The generic signed CRM webhook replaying what a CRM sends as its deals change: typed
// events, repeated and out of order, each diffed against the deal's last known state.

describe('the generic CRM webhook', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let client: Client;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const services = await startTestServices();
    ({ app, pool, client } = services);
    stops.push(services.stop);
    const cadence = {
      name: 'Generic CRM test',
      nurture: { steps: [{ after: 'P30D', channel: 'task', title: 'call' }] },
      scoring: { points: { meeting_request: 50 }, threshold: 50, halfLife: 'P30D' },
      lostDeal: { returnToNurtureAfter: 'PT1S' },
      sendWindow: null,
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/gen', headers: auth, payload: cadence })).statusCode,
    ).toBe(201);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  let sequence = 0;
  const T = (minute: number) => new Date(Date.parse('2026-11-29T10:00:00Z') + minute * 60_000).toISOString();
  const post = async (body: Record<string, unknown>) => {
    const res = await postGenericCrmEvent(app, body);
    expect(res.statusCode, res.body).toBe(200);
    return res.json<{ duplicate: boolean; events: string[] }>();
  };
  /** An event the CRM sends, with a fresh id, at minute `at` of the CRM's clock. */
  const send = (type: string, at: number, data: Record<string, unknown>) =>
    post({ id: `gen-${sequence++}`, type, occurredAt: T(at), data });
  const leadOf = (email: string) => async () => (await findLeadByEmail(pool, email))!.id;

  it('turns a deal’s real changes into events, once each, whatever is repeated or late', async () => {
    const email = 'generic-seq@example.jp';
    const deal = { email, dealId: 'g-1' };
    const open = {
      ...deal,
      stage: 'Qualification',
      amount: 1_000_000,
      probability: 10,
      expectedCloseDate: '2027-01-31',
    };
    const first = { id: 'gen-first', type: 'deal.stage_changed', occurredAt: T(1), data: open };
    let stageChangedAt = '';
    await runCrmSequence(app, client, leadOf(email), [
      {
        name: 'a new deal',
        send: () => post(first),
        events: ['deal_stage_changed'],
        stage: 'deal',
        deals: [{ kind: 'new', status: 'open', stage: 'Qualification', amount: 1_000_000, probability: 10 }],
        changed: ['outcome', 'stage', 'amount', 'probability', 'expectedCloseDate'],
        check: (_, [d]) => void (stageChangedAt = d!.lastStageChangeAt),
      },
      {
        name: 'the same delivery again',
        send: () => post(first),
        events: [],
        stage: 'deal',
        deals: [{ stage: 'Qualification' }],
      },
      {
        name: 'the same state under a new id',
        send: () => send('deal.stage_changed', 2, open),
        events: [],
        stage: 'deal',
        deals: [{ amount: 1_000_000 }],
      },
      {
        name: 'only the amount changed',
        send: () => send('deal.stage_changed', 3, { ...open, amount: 1_200_000 }),
        events: ['deal_updated'],
        stage: 'deal',
        deals: [
          { stage: 'Qualification', amount: 1_200_000, history: [{ status: 'open' }, { stage: 'Qualification' }] },
        ],
        changed: ['amount'],
        check: (_, [d]) =>
          expect(d!.lastStageChangeAt, 'days stalled still count from the stage change').toBe(stageChangedAt),
      },
      {
        name: 'a stage move',
        send: () => send('deal.stage_changed', 5, { ...open, amount: 1_200_000, stage: 'Proposal' }),
        events: ['deal_stage_changed'],
        stage: 'deal',
        deals: [
          { stage: 'Proposal', history: [{ status: 'open' }, { stage: 'Qualification' }, { stage: 'Proposal' }] },
        ],
        changed: ['stage'],
        check: (_, [d]) => expect(d!.lastStageChangeAt > stageChangedAt).toBe(true),
      },
      {
        name: 'a late delivery of the older stage',
        send: () => send('deal.stage_changed', 4, open),
        events: [],
        stage: 'deal',
        deals: [{ stage: 'Proposal', amount: 1_200_000 }],
      },
      {
        name: 'the win',
        send: () => send('deal.won', 6, { ...deal, stage: 'Closed Won', amount: 1_500_000 }),
        events: ['deal_won'],
        stage: 'customer',
        deals: [{ kind: 'new', status: 'won', stage: 'Closed Won', amount: 1_500_000 }],
        changed: ['outcome', 'stage', 'amount'],
        check: (_, [d]) => expect(d!.closedAt).not.toBeNull(),
      },
      {
        name: 'the win reported again',
        send: () => send('deal.won', 7, { ...deal, stage: 'Closed Won' }),
        events: [],
        stage: 'customer',
        deals: [{ status: 'won' }],
      },
      {
        name: 'the contract end filled',
        send: () => send('contract.ended', 8, { ...deal, reason: 'budget', endedAt: '2027-03-31' }),
        events: ['contract_ended'],
        endedAt: '2027-03-31',
        stage: 'dormant',
        deals: [{ status: 'won' }],
      },
      {
        name: 'the same contract end again',
        send: () => send('contract.ended', 9, { ...deal, reason: 'budget', endedAt: '2027-03-31' }),
        events: [],
        stage: 'dormant',
        deals: [{ status: 'won' }],
      },
      {
        name: 'the contract end date edited',
        send: () => send('contract.ended', 10, { ...deal, reason: 'budget', endedAt: '2027-06-30' }),
        events: ['contract_ended'],
        endedAt: '2027-06-30',
        stage: 'dormant',
        deals: [{ status: 'won' }],
      },
    ]);
  });

  it('keeps a customer a customer through its upsell deals, won or lost', async () => {
    const email = 'generic-upsell@example.jp';
    await runCrmSequence(app, client, leadOf(email), [
      {
        name: 'the first deal won',
        send: () => send('deal.won', 1, { email, dealId: 'u-0', amount: 500_000 }),
        events: ['deal_won'],
        stage: 'customer',
        deals: [{ kind: 'new', status: 'won', amount: 500_000 }],
      },
      {
        name: 'an upsell deal opened in the CRM',
        send: () => send('deal.stage_changed', 2, { email, dealId: 'u-1', stage: 'Proposal', amount: 300_000 }),
        events: ['deal_stage_changed'],
        stage: 'customer',
        deals: [
          { kind: 'upsell', status: 'open', stage: 'Proposal', amount: 300_000 },
          { kind: 'new', status: 'won' },
        ],
      },
      {
        name: 'its amount edited',
        send: () => send('deal.updated', 3, { email, dealId: 'u-1', amount: 350_000 }),
        events: ['deal_updated'],
        stage: 'customer',
        deals: [{ kind: 'upsell', status: 'open', amount: 350_000 }, { kind: 'new' }],
        changed: ['amount'],
      },
      {
        name: 'the upsell won',
        send: () => send('deal.won', 4, { email, dealId: 'u-1', stage: 'Closed Won' }),
        events: ['deal_won'],
        stage: 'customer',
        deals: [
          { kind: 'upsell', status: 'won', amount: 350_000 },
          { kind: 'new', status: 'won', amount: 500_000 },
        ],
      },
      {
        name: 'another upsell opened',
        send: () => send('deal.stage_changed', 5, { email, dealId: 'u-2', stage: 'Qualification' }),
        events: ['deal_stage_changed'],
        stage: 'customer',
        deals: [{ kind: 'upsell', status: 'open' }, { kind: 'upsell', status: 'won' }, { kind: 'new' }],
      },
      {
        name: 'and lost',
        send: () => send('deal.lost', 6, { email, dealId: 'u-2', reason: 'price' }),
        events: ['deal_lost'],
        stage: 'customer',
        deals: [
          { kind: 'upsell', status: 'lost' },
          { kind: 'upsell', status: 'won' },
          { kind: 'new', status: 'won' },
        ],
      },
    ]);
    const id = await leadOf(email)();
    const lead = (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{
      deal: { status: string; amount: number };
    }>();
    expect(lead.deal, "the lead's own deal stays the one it was won with").toMatchObject({
      status: 'won',
      amount: 500_000,
    });
  });

  it('opens a new deal on a new escalation after a lost one, carrying nothing over', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'generic-again@example.jp', cadence: 'gen', ownerEmail: 'rep@example.com' },
    });
    const id = created.json<{ id: string }>().id;
    const data = { leadId: id, dealId: 'a-1' };
    await send('deal.stage_changed', 1, {
      ...data,
      stage: 'Proposal',
      amount: 900_000,
      expectedCloseDate: '2027-01-31',
    });
    await send('deal.lost', 2, { ...data, reason: 'timing' });
    const moves = async () =>
      (await app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth }))
        .json<{ items: { kind: string; detail: { to?: string } }[] }>()
        .items.filter((e) => e.kind === 'stage_changed')
        .map((e) => e.detail.to);
    await waitFor(async () => (await moves()).join() === 'deal,nurturing', 'back to nurturing after the cool-down');
    const event = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth,
      payload: { leadId: id, type: 'meeting_request', id: 'again-1' },
    });
    expect(event.statusCode).toBe(202);
    await waitFor(async () => (await moves()).join() === 'deal,nurturing,deal', 'the escalation');
    await settledLead(client, id);
    const deals = (await app.inject({ method: 'GET', url: `/v1/leads/${id}/deals`, headers: auth })).json<{
      items: DealView[];
    }>().items;
    expect(deals).toMatchObject([
      { kind: 'new', status: 'open', stage: null, amount: null, expectedCloseDate: null },
      { kind: 'new', status: 'lost', stage: 'Proposal', amount: 900_000, expectedCloseDate: '2027-01-31' },
    ]);
    const lead = (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{
      deal: Record<string, unknown>;
    }>();
    expect(lead.deal).toMatchObject({ status: 'open', amount: null, expectedCloseDate: null, probability: null });
    const pipeline = (await app.inject({ method: 'GET', url: '/v1/reports/pipeline', headers: auth })).json<{
      reps: { deals: { leadId: string; amount: number | null; expectedCloseDate: string | null }[] }[];
    }>();
    const row = pipeline.reps.flatMap((r) => r.deals).find((d) => d.leadId === id);
    expect(row).toMatchObject({ amount: null, expectedCloseDate: null });
  });

  it('diffs deliveries of a new deal that arrive at once one after the other: one record, the newest amount', async () => {
    const email = 'generic-burst@example.jp';
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email, cadence: 'gen' },
    });
    expect(created.statusCode).toBe(201);
    const leadId = created.json<{ id: string }>().id;
    // Six deliveries of a deal the engine has never seen, all at once: each must find the
    // record the first one creates (locked, not missed) and be diffed after the one before.
    const amounts = [100_000, 200_000, 300_000, 400_000, 500_000, 600_000];
    const answers = await Promise.all(
      amounts.map((amount, k) =>
        postGenericCrmEvent(app, {
          id: `burst-${k}`,
          type: 'deal.stage_changed',
          occurredAt: T(20 + k),
          data: { email, dealId: 'burst-1', stage: 'Proposal', amount },
        }),
      ),
    );
    expect(answers.map((a) => a.statusCode)).toEqual(amounts.map(() => 200));
    const records = await pool.query<{ state: { fields: { amount?: number } } }>(
      "SELECT state FROM crm_records WHERE provider = 'generic' AND record_id = 'deal:burst-1'",
    );
    expect(records.rows.map((r) => r.state.fields.amount)).toEqual([600_000]);
    const receipts = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM webhook_receipts WHERE provider = 'generic' AND event_id LIKE 'burst-%'",
    );
    expect(Number(receipts.rows[0]?.n)).toBe(amounts.length);
    await settledLead(client, leadId);
    const deals = await app.inject({ method: 'GET', url: `/v1/leads/${leadId}/deals`, headers: auth });
    expect(deals.json<{ items: DealView[] }>().items).toMatchObject([{ status: 'open', amount: 600_000 }]);
  });

  it('answers 404 for the deals of an unknown lead, and refuses a contract end date that is no day', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v1/leads/00000000-0000-4000-8000-000000000000/deals',
      headers: auth,
    });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error: { code: 'not_found' } });
    const bad = await postGenericCrmEvent(app, {
      id: 'bad-end',
      type: 'contract.ended',
      occurredAt: T(1),
      data: { email: 'bad-end@example.jp', reason: 'budget', endedAt: '2027-02-30' },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ error: { details: [{ path: '/data/endedAt' }] } });
    expect(await findLeadByEmail(pool, 'bad-end@example.jp')).toBeUndefined();
  });
});
