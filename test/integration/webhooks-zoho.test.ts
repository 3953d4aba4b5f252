import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { leadWorkflowId } from '../../domain/lead.ts';
import { auth, startTestServices, waitFor } from '../support/services.ts';
import { settleWorkflowCount, snapshotState } from '../support/state-snapshot.ts';
import { timelineEntry } from '../support/timeline.ts';

// Zoho CRM workflow-rule webhooks as Zoho sends them: form-encoded record fields and the
// shared token as a custom parameter (Zoho does not sign them).
const TOKEN = 'zoho-shared-token-0123456789';

describe('the Zoho CRM webhook', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let client: Client;
  let taskQueue: string;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const services = await startTestServices({ config: { zohoWebhookToken: TOKEN } });
    ({ app, pool, client, taskQueue } = services);
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
  const lead = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{
      stage: string;
      profile: Record<string, unknown>;
      deal: { amount: number; probability: number; expectedCloseDate: string; stage: string } | null;
    }>();

  it('creates a lead from a Zoho lead record, in Japanese name order, and a resend has no second effect', async () => {
    const record = {
      module: 'Leads',
      record_id: '4150868000000225013',
      modified_time: '2026-11-29T10:00:00+09:00',
      email: 'zoho-lead@example.jp',
      last_name: '山田',
      first_name: '太郎',
      company: '山田商事',
      owner_email: 'owner@example.com',
    };
    const first = await zoho(record);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ events: [{ type: 'lead.updated', duplicate: false }] });
    const again = await zoho(record);
    expect(again.json()).toMatchObject({ events: [{ type: 'lead.updated', duplicate: true }] });
    const found = await lead(first.json<{ leadId: string }>().leadId);
    expect(found.profile).toMatchObject({
      name: '山田 太郎',
      company: '山田商事',
      ownerEmail: 'owner@example.com',
      externalId: 'zoho:Leads:4150868000000225013',
    });
  });

  it('tracks a Zoho deal: stage, amount, probability, closing date; Closed Won makes a customer', async () => {
    const created = await zoho({
      module: 'Contacts',
      record_id: 'c-1',
      email: 'zoho-deal@example.jp',
      last_name: '佐藤',
      account_name: '佐藤工業',
    });
    expect(created.statusCode).toBe(200);
    const id = created.json<{ leadId: string }>().leadId;
    expect((await lead(id)).profile).toMatchObject({ company: '佐藤工業', externalId: 'zoho:Contacts:c-1' });
    const deal = await zoho({
      module: 'Deals',
      record_id: 'd-1',
      modified_time: 't1',
      contact_email: 'zoho-deal@example.jp',
      stage: 'Negotiation/Review',
      amount: '1,200,000',
      probability: '75',
      closing_date: '2027-01-31',
    });
    expect(deal.statusCode).toBe(200);
    expect(deal.json()).toMatchObject({ events: [{ type: 'deal.stage_changed' }] });
    await waitFor(async () => (await lead(id)).stage === 'deal', 'the deal stage');
    expect((await lead(id)).deal).toMatchObject({
      stage: 'Negotiation/Review',
      amount: 1200000,
      probability: 75,
      expectedCloseDate: '2027-01-31',
    });
    expect(
      (
        await zoho({
          module: 'Deals',
          record_id: 'd-1',
          modified_time: 't2',
          contact_email: 'zoho-deal@example.jp',
          stage: 'Closed Won',
        })
      ).statusCode,
    ).toBe(200);
    await waitFor(async () => (await lead(id)).stage === 'customer', 'the customer stage');
    expect(
      (
        await zoho({
          module: 'Deals',
          record_id: 'd-1',
          modified_time: 't3',
          contact_email: 'zoho-deal@example.jp',
          stage: 'Closed Won',
          contract_end_reason: 'budget',
        })
      ).statusCode,
    ).toBe(200);
    await waitFor(async () => (await lead(id)).stage === 'dormant', 'dormant after the contract ended');
  });

  it('suppresses a contact that opted out of email, and keeps its lead for paper mail and tasks', async () => {
    const res = await zoho({
      module: 'Contacts',
      record_id: 'c-2',
      email: 'zoho-optout@example.jp',
      email_opt_out: 'true',
    });
    expect(res.statusCode).toBe(200);
    expect((await pool.query("SELECT reason FROM suppressions WHERE email = 'zoho-optout@example.jp'")).rows).toEqual([
      { reason: 'unsubscribed via zoho' },
    ]);
    expect(
      (await pool.query("SELECT count(*)::int AS n FROM leads WHERE email = 'zoho-optout@example.jp'")).rows,
    ).toEqual([{ n: 1 }]);
    // The workflow records an unsubscribe from email, and the lead is not closed.
    const id = res.json<{ leadId: string }>().leadId;
    const entry = await timelineEntry(app, id, 'unsubscribed');
    expect(entry.detail).toEqual({ channel: 'email', reason: 'unsubscribed via zoho' });
    expect((await lead(id)).stage).toBe('nurturing');
  });

  it('refuses a wrong or missing token and a record without an email, changing nothing', async () => {
    // Every table and the workflows, not one address: a refused call may change nothing at all.
    const leads = async () => Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM leads')).rows[0]?.n);
    await settleWorkflowCount(client, taskQueue, await leads());
    // The earlier tests' workflows may still be writing (an opt-out is recorded a moment
    // after the webhook's answer): wait until none has an activity or a task in flight.
    const ids = (await pool.query<{ id: string }>('SELECT id FROM leads')).rows.map((row) => row.id);
    for (const id of ids) {
      await waitFor(async () => {
        const { raw } = await client.workflow.getHandle(leadWorkflowId(id)).describe();
        return (raw.pendingActivities?.length ?? 0) === 0 && !raw.pendingWorkflowTask;
      }, `lead ${id}'s workflow to settle`);
    }
    const before = await snapshotState(pool, client, taskQueue);
    const wrong = await zoho({ module: 'Leads', record_id: 'x', email: 'intruder@example.jp' }, 'wrong-token');
    expect(wrong.statusCode).toBe(401);
    const missing = await zoho({ module: 'Leads', record_id: 'x', email: 'intruder@example.jp' }, null);
    expect(missing.statusCode).toBe(401);
    const noEmail = await zoho({ module: 'Leads', record_id: 'y' });
    expect(noEmail.statusCode).toBe(422);
    expect(await snapshotState(pool, client, taskQueue)).toEqual(before);
  });

  it('takes the same record as JSON, with the token in a header', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/webhooks/crm/zoho',
      headers: { 'x-zoho-webhook-token': TOKEN },
      payload: {
        module: 'Leads',
        record_id: 'j-1',
        email: 'zoho-json@example.jp',
        last_name: '鈴木',
        company: '鈴木商店',
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ events: [{ type: 'lead.updated', duplicate: false }] });
    const stored = await lead(res.json<{ leadId: string }>().leadId);
    expect(stored.profile).toMatchObject({ company: '鈴木商店', externalId: 'zoho:Leads:j-1' });
    expect(
      (await pool.query('SELECT email FROM leads WHERE id = $1', [res.json<{ leadId: string }>().leadId])).rows,
    ).toEqual([{ email: 'zoho-json@example.jp' }]);
  });
});
