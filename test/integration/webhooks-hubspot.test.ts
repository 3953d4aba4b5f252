import { createHmac } from 'node:crypto';
import { Client, Connection, WorkflowFailedError } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CrmPermanentError, type CrmDealRequest } from '../../crm/deal-sync.ts';
import { hubspotDealSync } from '../../crm/hubspot/deals.ts';
import { crmConnectionsFromConfig } from '../../crm/providers.ts';
import { loadConfig } from '../../config/env.ts';
import { hubspotEventKey, hubspotWorkflowId, type HubspotWebhookEvent } from '../../crm/hubspot/webhook-events.ts';
import { buildApp } from '../../api/app.ts';
import { findLeadByEmail } from '../../db/repositories/leads.ts';
import { freePort } from '../../stack/free-port.ts';
import { signalledEvents, settledLead } from '../support/crm-sequences.ts';
import { startFakeHubspot } from '../support/fake-hubspot.ts';
import { hubspotSignature, hubspotTestEvent, postHubspotBatch } from '../support/hubspot-webhook.ts';
import { keepHistory } from '../support/replay.ts';
import { auth, PUBLIC_BASE_URL, startTestApp, startTestServices, testAppConfig, waitFor } from '../support/services.ts';
import { timelineEntry } from '../support/timeline.ts';

// HubSpot webhook batches as HubSpot sends them (v3-signed JSON arrays of events that
// carry only ids), with the records fetched from a local imitation of HubSpot's API.
const SECRET = 'hubspot-client-secret-0123456789';
const TOKEN = 'pat-na1-test-token-0123456789';
const PATH = '/v1/webhooks/crm/hubspot';

describe('the HubSpot webhook', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let client: Client;
  let taskQueue: string;
  let hubspot: Awaited<ReturnType<typeof startFakeHubspot>>;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    hubspot = await startFakeHubspot(TOKEN);
    stops.push(hubspot.close);
    // Through the same parsing and wiring as production.
    const config = loadConfig({
      PUBLIC_BASE_URL,
      HUBSPOT_CLIENT_SECRET: SECRET,
      HUBSPOT_ACCESS_TOKEN: TOKEN,
      HUBSPOT_API_BASE_URL: hubspot.url,
      HUBSPOT_CONTRACT_END_PROPERTY: 'contract_end_reason',
      HUBSPOT_CONTRACT_END_DATE_PROPERTY: 'contract_end_date',
    });
    const services = await startTestServices({
      config: { hubspotClientSecret: config.hubspotClientSecret },
      workerOptions: { crm: crmConnectionsFromConfig(config) },
    });
    ({ app, pool, client, taskQueue } = services);
    stops.unshift(services.stop);
    const cadence = {
      name: 'HubSpot test',
      nurture: { steps: [{ after: 'P30D', channel: 'email', template: 'hs-n1' }] },
      scoring: { points: { meeting_request: 50 }, threshold: 50, halfLife: 'P30D' },
      sendWindow: null,
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/hs', headers: auth, payload: cadence })).statusCode,
    ).toBe(201);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
    expect(hubspot.violations).toEqual([]);
  });

  let nextEventId = 100;
  const event = (
    fields: Partial<HubspotWebhookEvent> & Pick<HubspotWebhookEvent, 'subscriptionType' | 'objectId'>,
  ): HubspotWebhookEvent => hubspotTestEvent(nextEventId++, fields);
  const sign = (body: string, timestamp: string, uri = `${PUBLIC_BASE_URL}${PATH}`) =>
    hubspotSignature(SECRET, body, timestamp, uri);
  const deliver = (events: HubspotWebhookEvent[], options: { timestamp?: number; signature?: string | null } = {}) =>
    postHubspotBatch(app, SECRET, events, options);
  const leadByEmail = async (email: string) => findLeadByEmail(pool, email);
  const leadView = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{
      stage: string;
      profile: Record<string, unknown>;
      deal: Record<string, unknown> | null;
    }>();
  const counts = async () => {
    const { rows } = await pool.query<{ receipts: number; leads: number; timeline: number }>(
      "SELECT (SELECT count(*) FROM webhook_receipts WHERE provider = 'hubspot')::int AS receipts, (SELECT count(*) FROM leads)::int AS leads, (SELECT count(*) FROM timeline)::int AS timeline",
    );
    return rows[0]!;
  };
  const fetchResult = (e: HubspotWebhookEvent) =>
    client.workflow.getHandle(hubspotWorkflowId(hubspotEventKey(e))).result() as Promise<{
      applied: { type: string; duplicate: boolean; leadId: string }[];
      skipped?: string;
    }>;

  it('refuses forged, expired and unsigned batches with 401, changing nothing', async () => {
    hubspot.contacts.set('501', { email: 'intruder@example.jp' });
    const batch = [event({ subscriptionType: 'contact.creation', objectId: 501 })];
    const before = await counts();
    const body = JSON.stringify(batch);
    const now = Date.now();
    const forged = await deliver(batch, {
      signature: createHmac('sha256', 'not-the-secret')
        .update(`POST${PUBLIC_BASE_URL}${PATH}${body}${now}`)
        .digest('base64'),
      timestamp: now,
    });
    expect(forged.statusCode).toBe(401);
    expect(forged.json()).toMatchObject({ error: { code: 'bad_signature' } });
    // Signed over another URI (http instead of https is the usual mistake): forged too.
    expect(
      (await deliver(batch, { signature: sign(body, String(now), `http://elsewhere.test${PATH}`), timestamp: now }))
        .statusCode,
    ).toBe(401);
    // Correctly signed, but six minutes old: a replay.
    const old = now - 6 * 60 * 1000;
    const expired = await deliver(batch, { timestamp: old, signature: sign(body, String(old)) });
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ error: { code: 'stale_signature' } });
    const unsigned = await deliver(batch, { signature: null });
    expect(unsigned.statusCode).toBe(401);
    expect(await counts()).toEqual(before);
    expect(await leadByEmail('intruder@example.jp')).toBeUndefined();
    expect(hubspot.requests.filter((r) => r.path.endsWith('/501'))).toEqual([]);
  });

  it('creates a lead per contact of a batch, with the fetched email, name, company and owner, and ignores what it does not follow', async () => {
    hubspot.owners.set('77', { email: 'rep-one@example.com' });
    hubspot.contacts.set('601', {
      email: 'hs-yamada@example.jp',
      firstname: '太郎',
      lastname: '山田',
      company: '山田商事',
      jobtitle: '部長',
      phone: '03-1234-5678',
      hubspot_owner_id: '77',
    });
    hubspot.contacts.set('602', {
      email: 'hs-sato@example.jp',
      firstname: 'Hanako',
      lastname: 'Sato',
      company: null,
      phone: 'call me maybe',
    });
    const batch = [
      event({ subscriptionType: 'contact.creation', objectId: 601 }),
      event({ subscriptionType: 'contact.creation', objectId: 602 }),
      event({ subscriptionType: 'company.creation', objectId: 9 }),
      event({ subscriptionType: 'contact.deletion', objectId: 603 }),
    ];
    const res = await deliver(batch);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: 4, accepted: 2, duplicates: 0, ignored: 2 });

    const yamada = await fetchResult(batch[0]!);
    // The crmFetchHubspot history replays (and with RECORD_HISTORIES=1 is kept for later versions).
    expect(await keepHistory(client, 'crm-fetch-hubspot', hubspotWorkflowId(hubspotEventKey(batch[0]!)))).toEqual([]);
    expect(yamada.applied).toEqual([{ type: 'lead.created', duplicate: false, leadId: expect.any(String) }]);
    const lead = await leadView(yamada.applied[0]!.leadId);
    expect(lead.profile).toMatchObject({
      name: '山田 太郎',
      company: '山田商事',
      title: '部長',
      phone: '03-1234-5678',
      ownerEmail: 'rep-one@example.com',
      externalId: 'hubspot:contact:601',
    });
    // The lead's own lifecycle runs.
    const lifecycle = await client.workflow.getHandle(`lead-${yamada.applied[0]!.leadId}`).describe();
    expect(lifecycle.status.name).toBe('RUNNING');

    await fetchResult(batch[1]!);
    const sato = await leadByEmail('hs-sato@example.jp');
    // A phone HubSpot holds as free text the engine cannot use is left out, not a failure.
    expect(sato).toMatchObject({ name: 'Sato Hanako', phone: undefined });

    const read = hubspot.requests.find((r) => r.method === 'GET' && r.path === '/crm/v3/objects/contacts/601')!;
    expect(read.query.get('properties')!.split(',')).toEqual(
      expect.arrayContaining(['email', 'firstname', 'lastname', 'company', 'jobtitle', 'phone', 'hubspot_owner_id']),
    );
    expect(hubspot.requests.some((r) => r.path === '/crm/v3/owners/77')).toBe(true);
    // Nothing was fetched for the company or the deleted contact.
    expect(hubspot.requests.some((r) => r.path.endsWith('/9') || r.path.endsWith('/603'))).toBe(false);
  });

  it('gives a repeated batch no second effect and still answers 200, even as a new delivery attempt', async () => {
    hubspot.contacts.set('701', { email: 'hs-repeat@example.jp', lastname: '鈴木' });
    const batch = [
      event({ subscriptionType: 'contact.creation', objectId: 701 }),
      event({
        subscriptionType: 'contact.propertyChange',
        objectId: 701,
        propertyName: 'lastname',
        propertyValue: '鈴木',
      }),
    ];
    // The same change twice in one batch (HubSpot's eventIds differ) counts once.
    expect((await deliver([...batch, { ...batch[0]!, eventId: nextEventId++ }])).json()).toEqual({
      received: 3,
      accepted: 2,
      duplicates: 1,
      ignored: 0,
    });
    await fetchResult(batch[0]!);
    await fetchResult(batch[1]!);
    const lead = (await leadByEmail('hs-repeat@example.jp'))!;
    // The new lead's lifecycle writes its first timeline entries on its own time: wait until
    // its workflow has nothing in flight (its first touch is far off), then count.
    const idle = async (workflowId: string) => {
      const { raw } = await client.workflow.getHandle(workflowId).describe();
      return (raw.pendingActivities?.length ?? 0) === 0 && !raw.pendingWorkflowTask;
    };
    await waitFor(() => idle(`lead-${lead.id}`), 'the lead workflow to settle');
    const before = await counts();
    const fetches = batch.map((e) => hubspotWorkflowId(hubspotEventKey(e)));
    const runs = await Promise.all(fetches.map(async (id) => (await client.workflow.getHandle(id).describe()).runId));
    const timeline = (await app.inject({ method: 'GET', url: `/v1/leads/${lead.id}/timeline`, headers: auth })).json<{
      items: unknown[];
    }>().items;
    const reads = hubspot.requests.length;

    // HubSpot's retry: new eventIds and attempt numbers, the same changes.
    const again = await deliver(batch.map((e) => ({ ...e, eventId: nextEventId++, attemptNumber: 1 })));
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ received: 2, accepted: 0, duplicates: 2, ignored: 0 });
    // No fetch ran again (the same runs, no new one) and the lead's workflow had nothing to do.
    expect(
      await Promise.all(fetches.map(async (id) => (await client.workflow.getHandle(id).describe()).runId)),
    ).toEqual(runs);
    await waitFor(() => idle(`lead-${lead.id}`), 'the lead workflow to settle');
    expect(await counts()).toEqual(before);
    expect(
      (await app.inject({ method: 'GET', url: `/v1/leads/${lead.id}/timeline`, headers: auth })).json<{
        items: unknown[];
      }>().items,
    ).toEqual(timeline);
    expect(hubspot.requests.length).toBe(reads);
  });

  it('follows a deal from creation to closedwon, making its contact a customer, and its contract end to dormant', async () => {
    hubspot.owners.set('78', { email: 'rep-two@example.com' });
    hubspot.contacts.set('801', { email: 'hs-deal@example.jp', lastname: '佐藤', company: '佐藤工業' });
    hubspot.deals.set('901', {
      properties: {
        dealname: '佐藤工業 導入',
        dealstage: 'qualifiedtobuy',
        amount: '1200000',
        closedate: '2027-01-31T00:00:00.000Z',
        hs_deal_stage_probability: '0.4',
        hubspot_owner_id: '78',
        hs_is_closed: 'false',
        hs_is_closed_won: 'false',
      },
      contactIds: ['801'],
    });
    const created = event({ subscriptionType: 'deal.creation', objectId: 901 });
    expect((await deliver([created])).json()).toMatchObject({ accepted: 1 });
    const { applied } = await fetchResult(created);
    expect(applied).toEqual([{ type: 'deal.stage_changed', duplicate: false, leadId: expect.any(String) }]);
    const id = applied[0]!.leadId;
    await waitFor(async () => (await leadView(id)).stage === 'deal', 'the deal stage');
    expect((await leadView(id)).deal).toMatchObject({
      stage: 'qualifiedtobuy',
      amount: 1200000,
      probability: 40,
      expectedCloseDate: '2027-01-31',
      ownerEmail: 'rep-two@example.com',
    });
    const dealRead = hubspot.requests.find((r) => r.method === 'GET' && r.path === '/crm/v3/objects/deals/901')!;
    expect(dealRead.query.get('associations')).toBe('contacts');
    expect(dealRead.query.get('properties')!.split(',')).toEqual(
      expect.arrayContaining([
        'dealname',
        'dealstage',
        'amount',
        'closedate',
        'hs_deal_stage_probability',
        'hubspot_owner_id',
      ]),
    );

    Object.assign(hubspot.deals.get('901')!.properties, {
      dealstage: 'closedwon',
      hs_deal_stage_probability: '1.0',
      hs_is_closed: 'true',
      hs_is_closed_won: 'true',
    });
    const won = event({
      subscriptionType: 'deal.propertyChange',
      objectId: 901,
      propertyName: 'dealstage',
      propertyValue: 'closedwon',
    });
    await deliver([won]);
    expect((await fetchResult(won)).applied).toMatchObject([{ type: 'deal.won' }]);
    await waitFor(async () => (await leadView(id)).stage === 'customer', 'the customer stage');

    // An edit of the won deal that changes nothing followed (its name) is no event at all.
    hubspot.deals.get('901')!.properties.dealname = '佐藤工業 導入（第1期）';
    const renamed = event({
      subscriptionType: 'deal.propertyChange',
      objectId: 901,
      propertyName: 'dealname',
      propertyValue: '佐藤工業 導入（第1期）',
    });
    await deliver([renamed]);
    expect(await fetchResult(renamed)).toMatchObject({ applied: [], skipped: expect.stringContaining('nothing') });
    // Its amount changing is an update of the won deal: the customer stays a customer, the win is not repeated.
    hubspot.deals.get('901')!.properties.amount = '1300000';
    const amount = event({
      subscriptionType: 'deal.propertyChange',
      objectId: 901,
      propertyName: 'amount',
      propertyValue: '1300000',
    });
    await deliver([amount]);
    expect((await fetchResult(amount)).applied).toMatchObject([{ type: 'deal.updated' }]);
    // The same event delivered again, as HubSpot retries: the record is unchanged since.
    const again = event({ ...amount, eventId: nextEventId++, occurredAt: amount.occurredAt + 1 });
    await deliver([again]);
    expect(await fetchResult(again)).toMatchObject({ applied: [] });
    await waitFor(async () => (await leadView(id)).deal?.amount === 1300000, 'the new amount');
    expect((await leadView(id)).stage).toBe('customer');
    const deals = (await app.inject({ method: 'GET', url: `/v1/leads/${id}/deals`, headers: auth })).json<{
      items: { kind: string; status: string; amount: number; crm: unknown }[];
    }>().items;
    expect(deals).toMatchObject([
      { kind: 'new', status: 'won', amount: 1300000, crm: { provider: 'hubspot', dealId: '901' } },
    ]);

    hubspot.deals.get('901')!.properties.contract_end_reason = 'budget';
    hubspot.deals.get('901')!.properties.contract_end_date = '2027-03-31';
    const ended = event({
      subscriptionType: 'deal.propertyChange',
      objectId: 901,
      propertyName: 'contract_end_reason',
      propertyValue: 'budget',
    });
    await deliver([ended]);
    expect((await fetchResult(ended)).applied).toMatchObject([{ type: 'contract.ended' }]);
    await waitFor(async () => (await leadView(id)).stage === 'dormant', 'dormant after the contract ended');
    await settledLead(client, id);
    expect((await signalledEvents(client, id)).at(-1)).toMatchObject({ kind: 'contract_ended', endedAt: '2027-03-31' });
    // The end date edited: a new contract end, with the new date; the reason alone resent is nothing.
    hubspot.deals.get('901')!.properties.contract_end_date = '1814400000000';
    const moved = event({
      subscriptionType: 'deal.propertyChange',
      objectId: 901,
      propertyName: 'contract_end_date',
      propertyValue: '1814400000000',
    });
    await deliver([moved]);
    expect((await fetchResult(moved)).applied).toMatchObject([{ type: 'contract.ended' }]);
    await settledLead(client, id);
    expect((await signalledEvents(client, id)).map((e) => e.kind)).toEqual([
      'deal_stage_changed',
      'deal_won',
      'deal_updated',
      'contract_ended',
      'contract_ended',
    ]);
    expect((await signalledEvents(client, id)).at(-1)).toMatchObject({ endedAt: '2027-07-01' });
  });

  it('suppresses a contact whose email opt-out turned true, and keeps its lead for paper mail and tasks', async () => {
    hubspot.contacts.set('1001', { email: 'hs-optout@example.jp', hs_email_optout: 'true' });
    const change = event({
      subscriptionType: 'contact.propertyChange',
      objectId: 1001,
      propertyName: 'hs_email_optout',
      propertyValue: 'true',
    });
    await deliver([change]);
    expect((await fetchResult(change)).applied.map((a) => a.type)).toEqual(['lead.updated', 'contact.unsubscribed']);
    expect((await pool.query("SELECT reason FROM suppressions WHERE email = 'hs-optout@example.jp'")).rows).toEqual([
      { reason: 'unsubscribed via hubspot' },
    ]);
    // The workflow records an unsubscribe from email, and the lead is not closed.
    const id = (await leadByEmail('hs-optout@example.jp'))!.id;
    const entry = await timelineEntry(app, id, 'unsubscribed');
    expect(entry.detail).toEqual({ channel: 'email', reason: 'unsubscribed via hubspot' });
    expect((await leadView(id)).stage).toBe('nurturing');
  });

  it('fails the fetch for good, without retrying, when a contact cannot be taken as a lead', async () => {
    // Each name part fits HubSpot's mapping (100 characters), but the joined name is over
    // a lead's 200: intake refuses it, and another fetch would get the same contact.
    const long = 'あ'.repeat(100);
    hubspot.contacts.set('1051', { email: 'hs-long-name@example.jp', firstname: long, lastname: long });
    const created = event({ subscriptionType: 'contact.creation', objectId: 1051 });
    expect((await deliver([created])).statusCode).toBe(200);
    const failure: unknown = await fetchResult(created).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.cause).toMatchObject({
      type: 'InvalidCrmRecord',
      message: expect.stringContaining('lead.created'),
    });
    expect(hubspot.requests.filter((r) => r.path === '/crm/v3/objects/contacts/1051')).toHaveLength(1);
    expect(await leadByEmail('hs-long-name@example.jp')).toBeUndefined();
  });

  it('retries a fetch HubSpot answered 429, and the event is applied once it answers', async () => {
    hubspot.contacts.set('1101', { email: 'hs-throttled@example.jp' });
    hubspot.failNext('/crm/v3/objects/contacts/1101', 429, 502);
    const created = event({ subscriptionType: 'contact.creation', objectId: 1101 });
    expect((await deliver([created])).statusCode).toBe(200);
    expect((await fetchResult(created)).applied).toMatchObject([{ type: 'lead.created', duplicate: false }]);
    expect(hubspot.requests.filter((r) => r.path === '/crm/v3/objects/contacts/1101')).toHaveLength(3);
    expect(await leadByEmail('hs-throttled@example.jp')).toBeDefined();
  });

  it('checks the signature over PUBLIC_BASE_URL plus the path and query HubSpot called, decoding the escapes HubSpot decodes', async () => {
    hubspot.contacts.set('1201', { email: 'hs-query@example.jp' });
    const body = JSON.stringify([event({ subscriptionType: 'contact.creation', objectId: 1201 })]);
    const timestamp = String(Date.now());
    const res = await app.inject({
      method: 'POST',
      url: `${PATH}?src=hs%3Aapp%2Fv3`,
      headers: {
        'content-type': 'application/json',
        'x-hubspot-request-timestamp': timestamp,
        'x-hubspot-signature-v3': sign(body, timestamp, `${PUBLIC_BASE_URL}${PATH}?src=hs:app/v3`),
      },
      payload: body,
    });
    // The query is the route's only in name: the schema has no query, so it must be accepted.
    expect(res.statusCode).toBe(200);
  });

  it('creates the deal in HubSpot when a lead escalates, associated with its contact and owned by its rep', async () => {
    hubspot.owners.set('79', { email: 'rep-three@example.com' });
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: {
        email: 'hs-hot@example.jp',
        name: '熱田 一郎',
        company: '熱田商事',
        cadence: 'hs',
        ownerEmail: 'rep-three@example.com',
      },
    });
    const id = created.json<{ id: string }>().id;
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: auth,
          payload: { leadId: id, type: 'meeting_request', id: 'hs-hot-1' },
        })
      ).statusCode,
    ).toBe(202);
    const dealId = await waitFor(
      async () =>
        (await pool.query<{ crm_deal_id: string | null }>('SELECT crm_deal_id FROM leads WHERE id = $1', [id])).rows[0]
          ?.crm_deal_id ?? undefined,
      'the HubSpot deal id on the lead',
    );
    const deal = hubspot.deals.get(dealId)!;
    expect(deal.properties).toMatchObject({
      dealname: '熱田商事',
      pipeline: 'default',
      dealstage: 'appointmentscheduled',
      hubspot_owner_id: '79',
    });
    expect(hubspot.contacts.get(deal.contactIds[0]!)).toMatchObject({
      email: 'hs-hot@example.jp',
      lastname: '熱田',
      firstname: '一郎',
      company: '熱田商事',
    });
    const items = (await app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth })).json<{
      items: { kind: string; detail: Record<string, unknown> }[];
    }>().items;
    expect(items.find((e) => e.kind === 'crm_deal_synced')?.detail).toMatchObject({
      provider: 'hubspot',
      dealId,
      created: true,
      kind: 'sales',
    });
  });

  it('keeps no receipt when Temporal cannot take the workflow (503), so the retried delivery is applied', async () => {
    const deadTemporal = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: 1000 });
    const down = await buildApp({
      config: testAppConfig({ temporalTaskQueue: taskQueue, hubspotClientSecret: SECRET }),
      db: pool,
      temporal: { client: new Client({ connection: deadTemporal }), connection: deadTemporal },
    });
    hubspot.contacts.set('1301', { email: 'hs-outage@example.jp' });
    const created = event({ subscriptionType: 'contact.creation', objectId: 1301 });
    const body = JSON.stringify([created]);
    const timestamp = String(Date.now());
    try {
      const res = await down.inject({
        method: 'POST',
        url: PATH,
        headers: {
          'content-type': 'application/json',
          'x-hubspot-request-timestamp': timestamp,
          'x-hubspot-signature-v3': sign(body, timestamp),
        },
        payload: body,
      });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      await down.close();
    }
    expect(
      (
        await pool.query("SELECT 1 FROM webhook_receipts WHERE provider = 'hubspot' AND event_id = $1", [
          hubspotEventKey(created),
        ])
      ).rowCount,
    ).toBe(0);
    const retried = await deliver([{ ...created, attemptNumber: 1 }]);
    expect(retried.json()).toMatchObject({ accepted: 1, duplicates: 0 });
    expect((await fetchResult(created)).applied).toMatchObject([{ type: 'lead.created', duplicate: false }]);
  });

  it('answers 403 while HUBSPOT_CLIENT_SECRET is not set, like every webhook that is off', async () => {
    const unconfigured = await startTestApp({ pool, taskQueue });
    try {
      const res = await unconfigured.app.inject({
        method: 'POST',
        url: PATH,
        headers: { 'content-type': 'application/json' },
        payload: '[]',
      });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toMatchObject({ error: { code: 'not_configured' } });
    } finally {
      await unconfigured.close();
    }
  });

  it('refuses a signed body that is not a batch of events with 422', async () => {
    const body = JSON.stringify({ subscriptionType: 'contact.creation', objectId: 1 });
    const timestamp = String(Date.now());
    const res = await app.inject({
      method: 'POST',
      url: PATH,
      headers: {
        'content-type': 'application/json',
        'x-hubspot-request-timestamp': timestamp,
        'x-hubspot-signature-v3': sign(body, timestamp),
      },
      payload: body,
    });
    expect(res.statusCode).toBe(422);
  });
});

describe('the HubSpot deal sync', () => {
  let hubspot: Awaited<ReturnType<typeof startFakeHubspot>>;
  beforeAll(async () => {
    hubspot = await startFakeHubspot(TOKEN);
  });
  afterAll(async () => {
    await hubspot.close();
    expect(hubspot.violations).toEqual([]);
  });
  const settings = () => ({
    accessToken: TOKEN,
    apiBaseUrl: hubspot.url,
    dealPipeline: 'default',
    dealStage: 'appointmentscheduled',
  });
  const lead = (email: string): CrmDealRequest['lead'] => ({
    id: '00000000-0000-4000-8000-000000000001',
    email,
    name: '田中 一郎',
    company: '田中製作所',
    title: '課長',
    cadenceKey: 'default',
    locale: 'ja',
    timezone: 'Asia/Tokyo',
    stage: 'deal',
    stageEnteredAt: new Date(),
    score: 60,
    scoreAt: new Date(),
    scoreHalfLifeMs: null,
    nextTouchAt: null,
    paused: false,
    doNotContact: false,
    deal: {
      status: 'open',
      stage: null,
      amount: 500000,
      probability: null,
      expectedCloseDate: '2027-03-31',
      ownerEmail: null,
      lastMovedAt: null,
    },
    contractEndReason: null,
    createdAt: new Date(),
    updatedAt: new Date(),
  });

  it('creates the contact when missing and the deal associated with it, then updates that deal', async () => {
    hubspot.owners.set('55', { email: 'closer@example.com' });
    const sync = hubspotDealSync(settings());
    const created = await sync.upsertDeal({
      lead: lead('hubspot-tanaka@example.jp'),
      kind: 'sales',
      score: 60,
      ownerEmail: 'closer@example.com',
      existingDealId: undefined,
    });
    expect(created).toEqual({ provider: 'hubspot', dealId: expect.any(String), created: true });

    const search = hubspot.requests.find((r) => r.path === '/crm/v3/objects/contacts/search')!;
    expect(search.method).toBe('POST');
    const newContact = hubspot.requests.find((r) => r.method === 'POST' && r.path === '/crm/v3/objects/contacts')!;
    expect(newContact.body).toEqual({
      properties: {
        email: 'hubspot-tanaka@example.jp',
        lastname: '田中',
        firstname: '一郎',
        company: '田中製作所',
        jobtitle: '課長',
      },
    });
    const deal = hubspot.deals.get(created.dealId)!;
    expect(deal.properties).toEqual({
      dealname: '田中製作所',
      pipeline: 'default',
      dealstage: 'appointmentscheduled',
      amount: '500000',
      closedate: '2027-03-31T00:00:00.000Z',
      hubspot_owner_id: '55',
    });
    expect(hubspot.contacts.get(deal.contactIds[0]!)?.email).toBe('hubspot-tanaka@example.jp');

    hubspot.owners.set('56', { email: 'second@example.com' });
    const updated = await sync.upsertDeal({
      lead: lead('hubspot-tanaka@example.jp'),
      kind: 'sales',
      score: 80,
      ownerEmail: 'second@example.com',
      existingDealId: created.dealId,
    });
    expect(updated).toEqual({ provider: 'hubspot', dealId: created.dealId, created: false });
    const patch = hubspot.requests.at(-1)!;
    expect(patch).toMatchObject({
      method: 'PATCH',
      path: `/crm/v3/objects/deals/${created.dealId}`,
      body: { properties: { hubspot_owner_id: '56' } },
    });
    expect(hubspot.deals.size).toBe(1);
  });

  it('associates a new deal with the contact HubSpot already has, and recreates a deal deleted in HubSpot', async () => {
    hubspot.contacts.set('4242', { email: 'known@example.jp' });
    const sync = hubspotDealSync(settings());
    const result = await sync.upsertDeal({
      lead: lead('known@example.jp'),
      kind: 'upsell',
      score: 70,
      ownerEmail: undefined,
      existingDealId: '31337',
    });
    expect(result.created).toBe(true);
    expect(hubspot.deals.get(result.dealId)).toMatchObject({
      contactIds: ['4242'],
      properties: { dealname: '田中製作所 (upsell)' },
    });
    expect(hubspot.deals.get(result.dealId)!.properties.hubspot_owner_id).toBeUndefined();
  });

  it('throws a plain, retryable error for 429 and 5xx and a permanent one for a refused token', async () => {
    const sync = hubspotDealSync(settings());
    hubspot.failNext('/crm/v3/objects/contacts/search', 429);
    // `rejects` fails the test when nothing is thrown; a caught value would not.
    const throttled = sync.upsertDeal({
      lead: lead('hubspot-later@example.jp'),
      kind: 'sales',
      score: 60,
      ownerEmail: undefined,
      existingDealId: undefined,
    });
    await expect(throttled).rejects.toBeInstanceOf(Error);
    await expect(throttled).rejects.not.toBeInstanceOf(CrmPermanentError);
    // What Temporal's retry then does: the next attempt succeeds.
    expect(
      (
        await sync.upsertDeal({
          lead: lead('hubspot-later@example.jp'),
          kind: 'sales',
          score: 60,
          ownerEmail: undefined,
          existingDealId: undefined,
        })
      ).created,
    ).toBe(true);

    hubspot.failNext('/crm/v3/objects/contacts/search', 503);
    const unavailable = sync.upsertDeal({
      lead: lead('later2@example.jp'),
      kind: 'sales',
      score: 60,
      ownerEmail: undefined,
      existingDealId: undefined,
    });
    await expect(unavailable).rejects.toBeInstanceOf(Error);
    await expect(unavailable).rejects.not.toBeInstanceOf(CrmPermanentError);

    const violationsBefore = hubspot.violations.length;
    const refused = hubspotDealSync({ ...settings(), accessToken: 'revoked-token-000' }).upsertDeal({
      lead: lead('hubspot-later@example.jp'),
      kind: 'sales',
      score: 60,
      ownerEmail: undefined,
      existingDealId: undefined,
    });
    await expect(refused).rejects.toBeInstanceOf(CrmPermanentError);
    await expect(refused).rejects.toMatchObject({ provider: 'hubspot', status: 401 });
    // The fake lists the unauthenticated call as a violation; it was this test's own, and
    // exactly one: a missing entry must fail here rather than remove someone else's.
    const ours = hubspot.violations.findIndex(
      (v, i) => i >= violationsBefore && v.includes('without the Bearer token'),
    );
    expect(ours).toBeGreaterThanOrEqual(0);
    hubspot.violations.splice(ours, 1);
  });
});
