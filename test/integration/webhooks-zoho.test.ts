import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestServices, waitFor } from '../support/services.ts';

// Zoho CRM workflow-rule webhooks as Zoho sends them: form-encoded record fields and the
// shared token as a custom parameter (Zoho does not sign them).
const TOKEN = 'zoho-shared-token-0123456789';

describe('the Zoho CRM webhook', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const services = await startTestServices({ config: { zohoWebhookToken: TOKEN } });
    ({ app, pool } = services);
    stops.push(services.stop);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  const zoho = (fields: Record<string, string>, token: string | null = TOKEN) =>
    app.inject({
      method: 'POST',
      url: '/v1/webhooks/crm/zoho',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...fields, ...(token === null ? {} : { token }) }).toString(),
    });
  const lead = async (id: string) => (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{ stage: string; profile: Record<string, unknown>; deal: { amount: number; probability: number; expectedCloseDate: string; stage: string } | null }>();

  it('creates a lead from a Zoho lead record, in Japanese name order, and a resend has no second effect', async () => {
    const record = { module: 'Leads', record_id: '4150868000000225013', modified_time: '2026-11-29T10:00:00+09:00', email: 'zoho-lead@example.jp', last_name: '山田', first_name: '太郎', company: '山田商事', owner_email: 'owner@example.com' };
    const first = await zoho(record);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ events: [{ type: 'lead.updated', duplicate: false }] });
    const again = await zoho(record);
    expect(again.json()).toMatchObject({ events: [{ type: 'lead.updated', duplicate: true }] });
    const found = await lead(first.json<{ leadId: string }>().leadId);
    expect(found.profile).toMatchObject({ name: '山田 太郎', company: '山田商事', ownerEmail: 'owner@example.com', externalId: 'zoho:Leads:4150868000000225013' });
  });

  it('tracks a Zoho deal: stage, amount, probability, closing date; Closed Won makes a customer', async () => {
    const created = await zoho({ module: 'Contacts', record_id: 'c-1', email: 'zoho-deal@example.jp', last_name: '佐藤', account_name: '佐藤工業' });
    const id = created.json<{ leadId: string }>().leadId;
    const deal = await zoho({ module: 'Deals', record_id: 'd-1', modified_time: 't1', contact_email: 'zoho-deal@example.jp', stage: 'Negotiation/Review', amount: '1,200,000', probability: '75', closing_date: '2027-01-31' });
    expect(deal.json()).toMatchObject({ events: [{ type: 'deal.stage_changed' }] });
    await waitFor(async () => (await lead(id)).stage === 'deal', 'the deal stage');
    expect((await lead(id)).deal).toMatchObject({ stage: 'Negotiation/Review', amount: 1200000, probability: 75, expectedCloseDate: '2027-01-31' });
    await zoho({ module: 'Deals', record_id: 'd-1', modified_time: 't2', contact_email: 'zoho-deal@example.jp', stage: 'Closed Won' });
    await waitFor(async () => (await lead(id)).stage === 'customer', 'the customer stage');
    await zoho({ module: 'Deals', record_id: 'd-1', modified_time: 't3', contact_email: 'zoho-deal@example.jp', stage: 'Closed Won', contract_end_reason: 'budget' });
    await waitFor(async () => (await lead(id)).stage === 'dormant', 'dormant after the contract ended');
  });

  it('suppresses a contact that opted out of email', async () => {
    await zoho({ module: 'Contacts', record_id: 'c-2', email: 'zoho-optout@example.jp', email_opt_out: 'true' });
    expect((await pool.query("SELECT reason FROM suppressions WHERE email = 'zoho-optout@example.jp'")).rows).toEqual([{ reason: 'unsubscribed via zoho' }]);
  });

  it('refuses a wrong or missing token and a record without an email, changing nothing', async () => {
    expect((await zoho({ module: 'Leads', record_id: 'x', email: 'intruder@example.jp' }, 'wrong-token')).statusCode).toBe(401);
    expect((await zoho({ module: 'Leads', record_id: 'x', email: 'intruder@example.jp' }, null)).statusCode).toBe(401);
    const noEmail = await zoho({ module: 'Leads', record_id: 'y' });
    expect(noEmail.statusCode).toBe(422);
    expect((await pool.query("SELECT 1 FROM leads WHERE email = 'intruder@example.jp'")).rowCount).toBe(0);
  });

  it('takes the same record as JSON, with the token in a header', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/webhooks/crm/zoho', headers: { 'x-zoho-webhook-token': TOKEN }, payload: { module: 'Leads', record_id: 'j-1', email: 'zoho-json@example.jp' } });
    expect(res.statusCode).toBe(200);
  });
});
