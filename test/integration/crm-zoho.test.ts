import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/env.ts';
import { crmConnectionsFromConfig } from '../../crm/providers.ts';
import { FakeZoho, ZOHO_TEST_CLIENT as CLIENT } from '../support/fake-zoho.ts';
import { runCrmSequence, type DealView } from '../support/crm-sequences.ts';
import { postGenericCrmEvent } from '../support/generic-crm.ts';
import { keepHistory } from '../support/replay.ts';
import { auth, PUBLIC_BASE_URL, startTestServices, waitFor } from '../support/services.ts';

// Zoho CRM both ways, against a local server imitating Zoho's accounts and CRM REST APIs
// that refuses any request not shaped as Zoho documents it: Notification API callbacks
// make the engine fetch the named records; escalations create or update deals.
const NOTIFY_TOKEN = 'zoho-notify-token-0123456789';
const CHANNEL = '1000000068001';
const CADENCE = {
  name: 'Zoho test',
  nurture: { steps: [{ after: 'P30D', channel: 'email', template: 'zoho-n1' }] },
  scoring: { points: { meeting_request: 50 }, threshold: 50, halfLife: 'P30D' },
  lostDeal: { returnToNurtureAfter: 'PT1S' },
  sendWindow: null,
};

describe('Zoho CRM through its REST API', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let client: Client;
  const zoho = new FakeZoho();
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    await zoho.start();
    stops.push(() => zoho.stop());
    // Through the same parsing as production, so the variables themselves are exercised.
    const config = loadConfig({
      PUBLIC_BASE_URL,
      ZOHO_NOTIFICATION_TOKEN: NOTIFY_TOKEN,
      ZOHO_NOTIFICATION_CHANNEL_ID: CHANNEL,
      ZOHO_CLIENT_ID: CLIENT.id,
      ZOHO_CLIENT_SECRET: CLIENT.secret,
      ZOHO_REFRESH_TOKEN: CLIENT.refresh,
      ZOHO_API_BASE_URL: zoho.url,
      ZOHO_ACCOUNTS_URL: zoho.url,
    });
    const services = await startTestServices({
      config: {
        zohoNotificationToken: config.zohoNotificationToken,
        zohoNotificationChannelId: config.zohoNotificationChannelId,
        zoho: config.zoho,
      },
      workerOptions: { crm: crmConnectionsFromConfig(config) },
    });
    ({ app, pool, client } = services);
    stops.push(services.stop);
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/zoho', headers: auth, payload: CADENCE })).statusCode,
    ).toBe(201);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    expect(zoho.violations).toEqual([]);
  });

  // A callback as Zoho posts it to the notify URL.
  const callback = (module: string, operation: string, ids: string[], overrides: Record<string, unknown> = {}) =>
    zoho.notification({ id: CHANNEL, token: NOTIFY_TOKEN }, module, operation, ids, overrides);
  const post = (payload: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/v1/webhooks/crm/zoho/notifications', payload });
  const notify = (module: string, operation: string, ids: string[], overrides: Record<string, unknown> = {}) =>
    post(callback(module, operation, ids, overrides));
  const fetched = async (res: { json: <T>() => T }) => {
    const { workflowId } = res.json<{ workflowId: string }>();
    return client.workflow.getHandle(workflowId).result() as Promise<{ applied: number; gone: number }>;
  };
  const leadByEmail = async (email: string) =>
    (
      await pool.query<{ id: string; stage: string; company: string | null; crm_deal_id: string | null }>(
        'SELECT id, stage, company, crm_deal_id FROM leads WHERE email = $1',
        [email],
      )
    ).rows[0];
  const timeline = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth })).json<{
      items: { kind: string; detail: Record<string, unknown> }[];
    }>().items;
  const stageOf = (email: string, stage: string) =>
    waitFor(async () => (await leadByEmail(email))?.stage === stage, `${email} in ${stage}`, 20_000);
  const crmEvent = (body: Record<string, unknown>) => postGenericCrmEvent(app, body);
  // A meeting request: the cadence's 50 points, the threshold.
  const meetingRequest = async (id: string, eventId: string) =>
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: auth,
          payload: { leadId: id, type: 'meeting_request', id: eventId },
        })
      ).statusCode,
    ).toBe(202);
  const hotLead = async (email: string, eventId: string) => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: {
        email,
        name: '熱田 一郎',
        company: `${email.split('@')[0]}商事`,
        cadence: 'zoho',
        ownerEmail: 'rep@example.com',
      },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    await meetingRequest(id, eventId);
    return id;
  };
  const dealPosts = (company: string) =>
    zoho.callsTo('POST', '/crm/v8/Deals').filter((c) => JSON.stringify(c.body).includes(company));

  it('fetches the records a notification names with a refreshed access token and creates the lead; a repeat has no second effect', async () => {
    zoho.records.set('Leads/4150868000000225013', {
      Email: 'notified@example.jp',
      Last_Name: '山田',
      First_Name: '太郎',
      Company: '山田商事',
      Designation: '部長',
      Owner: { id: '1', name: 'Rep', email: 'rep@example.com' },
      Modified_Time: '2026-11-29T10:00:00+09:00',
      Email_Opt_Out: false,
    });
    const payload = callback('Leads', 'insert', ['4150868000000225013']);
    const res = await post(payload);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ received: true, duplicate: false, ignored: null });
    expect(await fetched(res)).toEqual({ applied: 1, gone: 0 });
    // The crmFetchZoho history replays (and with RECORD_HISTORIES=1 is kept for later versions).
    expect(await keepHistory(client, 'crm-fetch-zoho', res.json<{ workflowId: string }>().workflowId)).toEqual([]);

    const lead = await leadByEmail('notified@example.jp');
    const profile = (await app.inject({ method: 'GET', url: `/v1/leads/${lead?.id}`, headers: auth })).json<{
      profile: Record<string, unknown>;
    }>().profile;
    expect(profile).toMatchObject({
      name: '山田 太郎',
      company: '山田商事',
      title: '部長',
      ownerEmail: 'rep@example.com',
      externalId: 'zoho:Leads:4150868000000225013',
    });
    // The documented request shapes: the refresh-token grant, then the record with the token.
    expect(zoho.grants[0]).toEqual({
      refresh_token: CLIENT.refresh,
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
      grant_type: 'refresh_token',
    });
    expect(zoho.callsTo('GET', '/crm/v8/Leads/4150868000000225013')).toEqual([
      {
        method: 'GET',
        path: '/crm/v8/Leads/4150868000000225013',
        authorization: 'Zoho-oauthtoken 1000.access-1',
        body: undefined,
      },
    ]);

    // Zoho delivering the same callback again: 200, no second fetch: the fetch workflow's one
    // run, completed, is still its latest (a second start would be a new run at once).
    const { workflowId } = res.json<{ workflowId: string }>();
    const { runId } = await client.workflow.getHandle(workflowId).describe();
    const again = await post(payload);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, workflowId });
    const latest = await client.workflow.getHandle(workflowId).describe();
    expect(latest).toMatchObject({ runId, status: { name: 'COMPLETED' } });
    expect(zoho.callsTo('GET', '/crm/v8/Leads/4150868000000225013')).toHaveLength(1);
    // The token is cached: one grant so far.
    expect(zoho.grants).toHaveLength(1);
  });

  it('applies an update to a contact as a profile change', async () => {
    zoho.records.set('Contacts/4150868000000300100', {
      Email: 'contact@example.jp',
      Last_Name: '佐藤',
      Account_Name: { id: 'a-1', name: '佐藤工業' },
      Modified_Time: '2026-11-29T10:00:00+09:00',
    });
    expect(await fetched(await notify('Contacts', 'insert', ['4150868000000300100']))).toEqual({ applied: 1, gone: 0 });
    expect((await leadByEmail('contact@example.jp'))?.company).toBe('佐藤工業');
    zoho.records.set('Contacts/4150868000000300100', {
      Email: 'contact@example.jp',
      Last_Name: '佐藤',
      Account_Name: { id: 'a-2', name: '佐藤ホールディングス' },
      Modified_Time: '2026-11-30T09:00:00+09:00',
    });
    expect(
      await fetched(
        await notify('Contacts', 'update', ['4150868000000300100'], {
          affected_fields: [{ '4150868000000300100': ['Account_Name'] }],
        }),
      ),
    ).toEqual({ applied: 1, gone: 0 });
    expect((await leadByEmail('contact@example.jp'))?.company).toBe('佐藤ホールディングス');
  });

  it('refuses a wrong token or channel with 401 and changes nothing', async () => {
    zoho.records.set('Leads/4150868000000500001', { Email: 'intruder@example.jp', Last_Name: 'X' });
    // Counted here, so the check does not depend on the receipts other tests left.
    const receipts = async () =>
      (
        await pool.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM webhook_receipts WHERE provider = 'zoho-notification'",
        )
      ).rows[0]?.n;
    const receiptsBefore = await receipts();
    expect(
      (await notify('Leads', 'insert', ['4150868000000500001'], { token: 'wrong-token-0123456789' })).statusCode,
    ).toBe(401);
    expect((await notify('Leads', 'insert', ['4150868000000500001'], { token: undefined })).statusCode).toBe(401);
    expect((await notify('Leads', 'insert', ['4150868000000500001'], { channel_id: '999' })).statusCode).toBe(401);
    expect((await notify('Leads', 'insert', ['not-a-number'])).statusCode).toBe(422);
    expect(zoho.callsTo('GET', '/crm/v8/Leads/4150868000000500001')).toHaveLength(0);
    expect(await leadByEmail('intruder@example.jp')).toBeUndefined();
    expect(await receipts()).toBe(receiptsBefore);
  });

  it('acknowledges deletes and other modules without fetching anything', async () => {
    expect((await notify('Leads', 'delete', ['4150868000000225013'])).json()).toMatchObject({
      ignored: 'delete',
      workflowId: null,
    });
    expect((await notify('Accounts', 'update', ['123'])).json()).toMatchObject({ ignored: 'module', workflowId: null });
    expect(await fetched(await notify('Leads', 'update', ['4150868000000999999']))).toEqual({ applied: 0, gone: 1 });
  });

  it('makes a customer of the deal contact when a notified deal is Closed Won', async () => {
    zoho.records.set('Contacts/4150868000000300200', {
      Email: 'zoho-won@example.jp',
      Last_Name: '勝田',
      Modified_Time: '2026-11-29T10:00:00+09:00',
    });
    zoho.records.set('Deals/4150868000000400200', {
      Deal_Name: '勝田案件',
      Stage: 'Negotiation/Review',
      Amount: 1200000,
      Probability: 75,
      Closing_Date: '2027-01-31',
      Contact_Name: { id: '4150868000000300200', name: '勝田' },
      Owner: { id: '1', email: 'rep@example.com' },
      Modified_Time: '2026-11-29T11:00:00+09:00',
    });
    expect(await fetched(await notify('Deals', 'insert', ['4150868000000400200']))).toEqual({ applied: 1, gone: 0 });
    await stageOf('zoho-won@example.jp', 'deal');
    const id = (await leadByEmail('zoho-won@example.jp'))?.id;
    expect(
      (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{ deal: unknown }>().deal,
    ).toMatchObject({ stage: 'Negotiation/Review', amount: 1200000, probability: 75, expectedCloseDate: '2027-01-31' });
    zoho.records.set('Deals/4150868000000400200', {
      ...zoho.records.get('Deals/4150868000000400200'),
      Stage: 'Closed Won',
      Modified_Time: '2026-12-10T11:00:00+09:00',
    });
    await fetched(
      await notify('Deals', 'update', ['4150868000000400200'], {
        affected_fields: [{ '4150868000000400200': ['Stage'] }],
      }),
    );
    await stageOf('zoho-won@example.jp', 'customer');
  });

  it('turns only real changes of a notified deal into events, whatever Zoho saves again, repeats or serves late', async () => {
    const email = 'zoho-fetch-seq@example.jp';
    const contactId = '4150868000000300300';
    const dealId = '4150868000000400300';
    zoho.records.set(`Contacts/${contactId}`, {
      Email: email,
      Last_Name: '順田',
      Modified_Time: '2026-11-29T10:00:00+09:00',
    });
    const at = (minute: number) => `2026-11-29T19:${String(minute).padStart(2, '0')}:00+09:00`;
    // The deal as Zoho's REST API answers for it at minute `minute` of its clock.
    const deal = (minute: number, fields: Record<string, unknown>) => ({
      Deal_Name: '順田案件',
      Stage: 'Qualification',
      Amount: 1_000_000,
      Probability: 10,
      Closing_Date: '2027-01-31',
      Contact_Name: { id: contactId, name: '順田' },
      Owner: { id: '1', email: 'rep@example.com' },
      Modified_Time: at(minute),
      ...fields,
    });
    // Zoho changes the record, then calls back; the engine fetches what Zoho has then.
    const change = async (record: Record<string, unknown>, operation = 'update', affected: string[] = []) => {
      zoho.records.set(`Deals/${dealId}`, record);
      const res = await notify(
        'Deals',
        operation,
        [dealId],
        affected.length > 0 ? { affected_fields: [{ [dealId]: affected }] } : {},
      );
      expect(res.statusCode, res.body).toBe(200);
      expect(await fetched(res)).toEqual({ applied: 1, gone: 0 });
    };
    const won = { Stage: 'Closed Won', Amount: 1_500_000 };
    const ended = { ...won, Contract_End_Reason: 'budget', Contract_End_Date: '2027-03-31' };
    const fetchesBefore = zoho.callsTo('GET', `/crm/v8/Deals/${dealId}`).length;
    let repeated: Record<string, unknown> = {};
    await runCrmSequence(app, client, async () => (await leadByEmail(email))!.id, [
      {
        name: 'created',
        send: () => change(deal(1, {}), 'insert'),
        events: ['deal_stage_changed'],
        stage: 'deal',
        deals: [{ kind: 'new', status: 'open', stage: 'Qualification', amount: 1_000_000, probability: 10 }],
      },
      {
        name: 'the same record fetched again, unchanged',
        send: () => change(deal(1, {})),
        events: [],
        stage: 'deal',
        deals: [{ stage: 'Qualification', amount: 1_000_000 }],
      },
      {
        name: 'a field the engine does not follow edited',
        send: () => change(deal(2, { Description: 'called' }), 'update', ['Description']),
        events: [],
        stage: 'deal',
        deals: [{ stage: 'Qualification', amount: 1_000_000 }],
      },
      {
        name: 'the amount edited',
        send: () => change(deal(3, { Amount: 1_200_000 }), 'update', ['Amount']),
        events: ['deal_updated'],
        stage: 'deal',
        deals: [{ stage: 'Qualification', amount: 1_200_000 }],
        changed: ['amount'],
      },
      {
        name: 'a stage move',
        send: () => change(deal(5, { Amount: 1_200_000, Stage: 'Proposal/Price Quote' }), 'update', ['Stage']),
        events: ['deal_stage_changed'],
        stage: 'deal',
        deals: [{ stage: 'Proposal/Price Quote', amount: 1_200_000 }],
        changed: ['stage'],
        check: ([b], [a]) => expect(a!.history.length).toBe(b!.history.length + 1),
      },
      {
        name: 'won',
        send: () => change(deal(6, won), 'update', ['Stage', 'Amount']),
        events: ['deal_won'],
        stage: 'customer',
        deals: [{ kind: 'new', status: 'won', stage: 'Closed Won', amount: 1_500_000 }],
        check: (_, [d]) => expect(d!.closedAt).not.toBeNull(),
      },
      {
        name: 'the contract end filled',
        send: () => change(deal(7, ended), 'update', ['Contract_End_Reason', 'Contract_End_Date']),
        events: ['contract_ended'],
        endedAt: '2027-03-31',
        stage: 'dormant',
        deals: [{ status: 'won', amount: 1_500_000 }],
      },
      {
        name: 'the contract end date edited',
        send: () =>
          change((repeated = deal(8, { ...ended, Contract_End_Date: '2027-06-30' })), 'update', ['Contract_End_Date']),
        events: ['contract_ended'],
        endedAt: '2027-06-30',
        stage: 'dormant',
        deals: [{ status: 'won' }],
      },
      {
        name: 'a repeated notification',
        send: () => change(repeated, 'update', ['Contract_End_Date']),
        events: [],
        stage: 'dormant',
        deals: [{ status: 'won' }],
      },
      {
        name: 'an older version served out of order',
        send: () => change(deal(4, { Amount: 1_100_000, Stage: 'Negotiation/Review' }), 'update', ['Stage']),
        events: [],
        stage: 'dormant',
        deals: [{ kind: 'new', status: 'won', stage: 'Closed Won', amount: 1_500_000 }],
      },
    ]);
    // Every step fetched the record anew: the sequence went through Zoho's REST API.
    expect(zoho.callsTo('GET', `/crm/v8/Deals/${dealId}`).length - fetchesBefore).toBe(10);
    const id = (await leadByEmail(email))!.id;
    const entries = await timeline(id);
    expect(entries.map((e) => e.kind).filter((k) => k.startsWith('deal_'))).toEqual([
      'deal_stage_changed',
      'deal_updated',
      'deal_stage_changed',
      'deal_won',
    ]);
    expect(entries.filter((e) => e.kind === 'stage_changed').map((e) => e.detail.to)).toEqual([
      'deal',
      'customer',
      'dormant',
    ]);
  });

  it("keeps a customer a customer through the engine's own upsell deals, recording a win's amount, and escalates again", async () => {
    const email = 'zoho-upsell@example.jp';
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email, company: '上村商事', cadence: 'zoho', ownerEmail: 'rep@example.com' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    expect(
      (
        await crmEvent({
          id: 'upsell-first-won',
          type: 'deal.won',
          occurredAt: new Date().toISOString(),
          data: { leadId: id, dealId: 'first', amount: 500_000 },
        })
      ).statusCode,
    ).toBe(200);
    await stageOf(email, 'customer');
    const deals = async () =>
      (await app.inject({ method: 'GET', url: `/v1/leads/${id}/deals`, headers: auth })).json<{ items: DealView[] }>()
        .items;
    const hot = (eventId: string) => meetingRequest(id, eventId);
    const synced = async (n: number) =>
      (
        await waitFor(
          async () => {
            const entries = (await timeline(id)).filter((e) => e.kind === 'crm_deal_synced');
            return entries.length >= n ? entries : undefined;
          },
          `crm_deal_synced ${n}`,
          20_000,
        )
      )[n - 1]!.detail;
    // Zoho reports the engine's deal closed: the record as the engine made it, with its new
    // stage. Its contact comes from the lead the deal was made for (no Contact_Name).
    const close = async (dealId: string, minute: number, fields: Record<string, unknown>) => {
      const made = zoho.deals.get(dealId);
      expect(made).toMatchObject({ Deal_Name: '上村商事 (upsell)' });
      zoho.records.set(`Deals/${dealId}`, {
        ...made,
        ...fields,
        Modified_Time: `2026-12-01T10:${String(minute).padStart(2, '0')}:00+09:00`,
      });
      expect(
        await fetched(await notify('Deals', 'update', [dealId], { affected_fields: [{ [dealId]: ['Stage'] }] })),
      ).toEqual({ applied: 1, gone: 0 });
    };

    // The score crosses the threshold while a customer: an upsell escalation, its deal made in Zoho.
    await hot('upsell-hot-1');
    const first = await synced(1);
    expect(first).toMatchObject({ provider: 'zoho', created: true, kind: 'upsell' });
    const firstId = String(first.dealId);
    await waitFor(async () => (await deals()).length === 2, 'the upsell deal');
    expect(await deals()).toMatchObject([
      { kind: 'upsell', status: 'open' },
      { kind: 'new', status: 'won', amount: 500_000 },
    ]);
    expect((await leadByEmail(email))?.stage).toBe('customer');

    // Won in Zoho, with its amount: recorded on the upsell deal, the lead stays a customer.
    await close(firstId, 1, { Stage: 'Closed Won', Amount: 300_000 });
    await waitFor(async () => (await deals())[0]?.status === 'won', 'the upsell deal won');
    expect(await deals()).toMatchObject([
      { kind: 'upsell', status: 'won', stage: 'Closed Won', amount: 300_000 },
      { kind: 'new', status: 'won', amount: 500_000 },
    ]);
    expect((await leadByEmail(email))?.stage).toBe('customer');
    const lead = (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{
      deal: Record<string, unknown>;
    }>();
    expect(lead.deal, "the lead's own deal stays the one it was won with").toMatchObject({
      status: 'won',
      amount: 500_000,
    });

    // Upsell goes on: the next crossing escalates again, with a new deal, not the won one reopened.
    await hot('upsell-hot-2');
    const second = await synced(2);
    expect(second).toMatchObject({ provider: 'zoho', created: true, kind: 'upsell' });
    const secondId = String(second.dealId);
    expect(secondId).not.toBe(firstId);
    expect(zoho.callsTo('PUT', `/crm/v8/Deals/${firstId}`)).toEqual([]);
    await waitFor(async () => (await deals()).length === 3, 'the second upsell deal');

    // That one lost in Zoho: recorded, still a customer.
    await close(secondId, 2, { Stage: 'Closed Lost to Competition' });
    await waitFor(async () => (await deals())[0]?.status === 'lost', 'the second upsell deal lost');
    expect(await deals()).toMatchObject([
      { kind: 'upsell', status: 'lost' },
      { kind: 'upsell', status: 'won', amount: 300_000 },
      { kind: 'new', status: 'won', amount: 500_000 },
    ]);
    expect((await leadByEmail(email))?.stage).toBe('customer');
    expect((await timeline(id)).filter((e) => e.kind === 'escalated').map((e) => e.detail.kind)).toEqual([
      'upsell',
      'upsell',
    ]);
  });

  it('creates the deal in Zoho when a lead escalates, retrying a 500, and updates that deal when it escalates again', async () => {
    zoho.faults.push({ match: 'POST /crm/v8/Deals', status: 500, body: { code: 'INTERNAL_ERROR', status: 'error' } });
    const id = await hotLead('zoho-hot@example.jp', 'hot-1');
    const dealId = await waitFor(
      async () => (await leadByEmail('zoho-hot@example.jp'))?.crm_deal_id ?? undefined,
      'the CRM deal id on the lead',
    );
    expect(dealPosts('zoho-hot商事')).toHaveLength(2);
    const post = dealPosts('zoho-hot商事')[1];
    expect(post?.authorization).toMatch(/^Zoho-oauthtoken 1000\.access-\d+$/);
    const [deal] = (post?.body as { data: Record<string, unknown>[] }).data;
    expect(deal).toMatchObject({
      Deal_Name: 'zoho-hot商事',
      Stage: 'Qualification',
      Owner: { id: '4150868000000225001' },
    });
    expect(deal?.Closing_Date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(deal?.Description).toContain('score 50');
    expect(deal?.Description).toContain(`${PUBLIC_BASE_URL}/leads/${id}`);
    expect(zoho.deals.get(dealId)).toMatchObject({ Deal_Name: 'zoho-hot商事' });
    const synced = await waitFor(
      async () => (await timeline(id)).find((e) => e.kind === 'crm_deal_synced'),
      'the crm_deal_synced entry',
    );
    expect(synced.detail).toMatchObject({ provider: 'zoho', dealId, created: true, kind: 'sales' });

    // Lost, back to nurturing, hot again: the same Zoho deal is updated, not a second one made.
    expect(
      (
        await crmEvent({
          id: 'hot-lost',
          type: 'deal.lost',
          occurredAt: new Date().toISOString(),
          data: { leadId: id, reason: 'timing' },
        })
      ).statusCode,
    ).toBe(200);
    await stageOf('zoho-hot@example.jp', 'nurturing');
    await meetingRequest(id, 'hot-2');
    await waitFor(
      async () => (await timeline(id)).filter((e) => e.kind === 'crm_deal_synced').length === 2,
      'the second crm_deal_synced entry',
    );
    expect(zoho.callsTo('PUT', `/crm/v8/Deals/${dealId}`)).toHaveLength(1);
    expect(dealPosts('zoho-hot商事')).toHaveLength(2);
    expect((await timeline(id)).filter((e) => e.kind === 'crm_deal_synced').map((e) => e.detail.created)).toEqual([
      true,
      false,
    ]);
  });

  it('refreshes the access token once when Zoho calls it invalid', async () => {
    zoho.revokeTokens();
    const grantsBefore = zoho.grants.length;
    await hotLead('refresh@example.jp', 'refresh-1');
    await waitFor(
      async () => (await leadByEmail('refresh@example.jp'))?.crm_deal_id ?? undefined,
      'the CRM deal id on the lead',
    );
    expect(zoho.grants.length).toBe(grantsBefore + 1);
    // Exactly two: the one refused with the revoked token, and the retry with a fresh one
    // (with a single POST the two `authorization`s compared below would differ trivially).
    const posts = dealPosts('refresh商事');
    expect(posts).toHaveLength(2);
    const [refused, accepted] = posts;
    expect(refused?.authorization).toMatch(/^Zoho-oauthtoken 1000\.access-\d+$/);
    expect(accepted?.authorization).toMatch(/^Zoho-oauthtoken 1000\.access-\d+$/);
    expect(refused?.authorization).not.toBe(accepted?.authorization);
  });

  it('records a deal Zoho refuses for good on the timeline, and the lead goes on', async () => {
    zoho.faults.push({
      match: 'POST /crm/v8/Deals',
      status: 400,
      body: {
        data: [{ code: 'INVALID_DATA', details: { api_name: 'Stage' }, message: 'invalid data', status: 'error' }],
      },
    });
    const id = await hotLead('refused@example.jp', 'refused-1');
    const failed = await waitFor(
      async () => (await timeline(id)).find((e) => e.kind === 'crm_deal_failed'),
      'the crm_deal_failed entry',
    );
    expect(failed.detail).toMatchObject({ type: 'CrmPermanent', kind: 'sales' });
    expect(String(failed.detail.reason)).toContain('INVALID_DATA');
    // One attempt only, and the lifecycle still answers: a deal report moves the lead on.
    expect(dealPosts('refused商事')).toHaveLength(1);
    expect(
      (
        await crmEvent({
          id: 'refused-won',
          type: 'deal.won',
          occurredAt: new Date().toISOString(),
          data: { leadId: id },
        })
      ).statusCode,
    ).toBe(200);
    await stageOf('refused@example.jp', 'customer');
  });
});
