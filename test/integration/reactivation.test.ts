import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import type { LeadEvent } from '../../domain/lead-events.ts';
import { leadEventSignal, leadStateQuery } from '../../workflows/lead-events.ts';
import { expectErrorFormat } from '../support/error-format.ts';
import { sendGenericCrmEvent } from '../support/generic-crm.ts';
import { auth, startTestServices, waitFor } from '../support/services.ts';

// Issue 12, items 4 to 6, on real Temporal, PostgreSQL and SMTP: the reactivation wait
// counted from the contract's end date and per reason, a person's decision overriding the
// reason list, reopening by hand, intent that reaches the owner, and scores on the event's
// clock. Long waits (P6M) stand for "not in this test"; the short ones are seconds.

const MJML = '<mjml><mj-body><mj-section><mj-column><mj-text>Hello</mj-text></mj-column></mj-section></mj-body></mjml>';

const CADENCE = {
  name: 'Reactivation test',
  nurture: { steps: [{ after: 'P1M', channel: 'email', template: 'r-n1' }] },
  scoring: { points: { email_open: 1, reply: 30, meeting_request: 50 }, threshold: 50, halfLife: 'P30D' },
  upsell: { steps: [{ after: 'P1M', channel: 'email', template: 'r-n1' }] },
  reactivation: {
    eligibleReasons: ['budget', 'timing'],
    waitAfterEnd: 'P6M',
    waitByReason: { timing: 'PT2S' },
    steps: [{ after: 'P1M', channel: 'email', template: 'r-n1' }],
  },
  sendWindow: null,
};

describe.concurrent('reactivation decided per account, intent and scores on the event’s clock', () => {
  let pool: pg.Pool;
  let app: FastifyInstance;
  let client: Client;
  let stop: () => Promise<void>;
  let salesKey: string;

  beforeAll(async () => {
    const services = await startTestServices();
    ({ pool, app, client, stop } = services);
    const put = (url: string, payload: Record<string, unknown>) =>
      app.inject({ method: 'PUT', url, headers: auth, payload });
    expect((await put('/v1/templates/r-n1', { subject: 'Hello', mjml: MJML })).statusCode).toBe(201);
    expect((await put('/v1/cadences/react', CADENCE)).statusCode).toBe(201);
    expect((await put('/v1/cadences/winback', { ...CADENCE, name: 'Win back' })).statusCode).toBe(201);
    const key = await app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: auth,
      payload: { name: 'rep-a@example.com', role: 'sales' },
    });
    expect(key.statusCode).toBe(201);
    salesKey = key.json<{ key: string }>().key;
  });
  afterAll(async () => {
    await stop();
  });

  const createLead = async (email: string, extra: Record<string, unknown> = {}) => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email, name: 'テスト', cadence: 'react', ...extra },
    });
    expect(res.statusCode).toBe(201);
    return res.json<{ id: string; workflowId: string }>();
  };
  const lead = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{
      stage: string;
      score: number;
      nextTouchAt: string | null;
    }>();
  const stageOf = (id: string, stage: string) =>
    waitFor(async () => (await lead(id)).stage === stage, `stage ${stage}`, 20_000);
  const timeline = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth })).json<{
      items: { kind: string; detail: Record<string, unknown> }[];
    }>().items;
  const crmEvent = (type: string, data: Record<string, unknown>) => sendGenericCrmEvent(app, type, data);
  // The generic webhook's `data.endedAt` is parsed by the CRM layer; here the workflow is
  // told directly, as that layer does, so these tests own only what the workflow does.
  const signal = (workflowId: string, event: LeadEvent) =>
    client.workflow.getHandle(workflowId).signal(leadEventSignal, event);
  const customer = async (email: string, extra: Record<string, unknown> = {}) => {
    const created = await createLead(email, extra);
    expect((await crmEvent('deal.won', { leadId: created.id })).statusCode).toBe(200);
    await stageOf(created.id, 'customer');
    return created;
  };
  const decide = (id: string, body: Record<string, unknown>, headers: Record<string, string> = auth) =>
    app.inject({ method: 'POST', url: `/v1/leads/${id}/reactivation`, headers, payload: body });
  const escalations = async (id: string) =>
    (
      await pool.query<{ kind: string }>('SELECT kind FROM escalations WHERE lead_id = $1 ORDER BY created_at', [id])
    ).rows.map((r) => r.kind);
  const settled = (workflowId: string) =>
    waitFor(async () => {
      const handle = client.workflow.getHandle(workflowId);
      const { raw } = await handle.describe();
      return (
        (raw.pendingActivities?.length ?? 0) === 0 &&
        !raw.pendingWorkflowTask &&
        (await handle.query(leadStateQuery)).pendingEvents === 0
      );
    }, 'the workflow to settle');

  it('counts the reactivation wait from the contract end date, so an end long past reactivates at once', async () => {
    const { id, workflowId } = await customer('ended-long-ago@example.jp');
    await signal(workflowId, { kind: 'contract_ended', eventId: 'end-1', reason: 'budget', endedAt: '2020-01-31' });
    await stageOf(id, 'reactivation');
    const moves = (await timeline(id)).filter((e) => e.kind === 'stage_changed').map((e) => e.detail.to);
    expect(moves).toEqual(['customer', 'dormant', 'reactivation']);
  });

  it('waits six months from a recent end date, showing when it resumes', async () => {
    const { id, workflowId } = await customer('ended-recently@example.jp', { timezone: 'Asia/Tokyo' });
    await signal(workflowId, { kind: 'contract_ended', eventId: 'end-2', reason: 'budget', endedAt: '2026-10-31' });
    await stageOf(id, 'dormant');
    const next = await waitFor(async () => (await lead(id)).nextTouchAt ?? undefined, 'the resume time');
    // 31 October + six months is 30 April (no 31st), midnight in Tokyo.
    expect(next).toBe('2027-04-29T15:00:00.000Z');
  });

  it('uses the wait of the end reason in waitByReason', async () => {
    const { id } = await customer('timing@example.jp');
    expect((await crmEvent('contract.ended', { leadId: id, reason: 'timing' })).statusCode).toBe(200);
    await stageOf(id, 'reactivation');
  });

  it('lets a person decide ahead of the end to resume an account the reason list would close, on another cadence', async () => {
    const { id } = await customer('decided-resume@example.jp');
    const resumeAt = new Date(Date.now() + 2_000).toISOString();
    const res = await decide(id, { decision: 'resume', resumeAt, cadence: 'winback', note: '新部署で再提案' });
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ decision: 'resume', cadence: 'winback', decidedBy: 'admin', stage: 'customer' });
    expect((await crmEvent('contract.ended', { leadId: id, reason: 'competitor' })).statusCode).toBe(200);
    await stageOf(id, 'reactivation');
    const row = await pool.query<{ cadence_key: string }>('SELECT cadence_key FROM leads WHERE id = $1', [id]);
    expect(row.rows[0]?.cadence_key).toBe('winback');
    const decided = (await timeline(id)).find((e) => e.kind === 'reactivation_decided');
    expect(decided?.detail).toMatchObject({ decision: 'resume', note: '新部署で再提案', by: 'admin' });
    const list = await app.inject({ method: 'GET', url: `/v1/leads/${id}/reactivation`, headers: auth });
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(1);
  });

  it('closes a dormant account when a person decides so, and a marketer can reopen it by hand', async () => {
    const { id } = await customer('decided-close@example.jp');
    expect((await crmEvent('contract.ended', { leadId: id, reason: 'budget' })).statusCode).toBe(200);
    await stageOf(id, 'dormant');
    expect((await decide(id, { decision: 'close', note: '撤退' })).statusCode).toBe(202);
    await stageOf(id, 'closed');
    const reopen = await app.inject({
      method: 'POST',
      url: `/v1/leads/${id}/stage`,
      headers: auth,
      payload: { stage: 'reactivation', reason: '新年度の予算' },
    });
    expect(reopen.statusCode, reopen.body).toBe(202);
    await stageOf(id, 'reactivation');
  });

  it('reopens a dormant lead by hand at once', async () => {
    const { id } = await customer('reopen-dormant@example.jp');
    expect((await crmEvent('contract.ended', { leadId: id, reason: 'budget' })).statusCode).toBe(200);
    await stageOf(id, 'dormant');
    const res = await app.inject({
      method: 'POST',
      url: `/v1/leads/${id}/stage`,
      headers: auth,
      payload: { stage: 'reactivation' },
    });
    expect(res.statusCode).toBe(202);
    await stageOf(id, 'reactivation');
  });

  it('refuses to reopen a lead that asked not to be contacted or unsubscribed', async () => {
    const dnc = await createLead('dnc-reopen@example.jp');
    expect(
      (await app.inject({ method: 'POST', url: `/v1/leads/${dnc.id}/do-not-contact`, headers: auth })).statusCode,
    ).toBeLessThan(300);
    await stageOf(dnc.id, 'closed');
    const refused = await app.inject({
      method: 'POST',
      url: `/v1/leads/${dnc.id}/stage`,
      headers: auth,
      payload: { stage: 'reactivation' },
    });
    expect(refused.statusCode).toBe(409);
    expect(expectErrorFormat(refused, 'lead_opted_out').details).toMatchObject({ reason: 'do_not_contact' });

    const gone = await createLead('unsub-reopen@example.jp');
    expect((await crmEvent('contact.unsubscribed', { leadId: gone.id })).statusCode).toBe(200);
    // An unsubscribe ends email only; closed afterwards for another reason, it stays closed.
    await waitFor(async () => (await timeline(gone.id)).some((e) => e.kind === 'unsubscribed'), 'the unsubscribe');
    const close = await app.inject({
      method: 'POST',
      url: `/v1/leads/${gone.id}/stage`,
      headers: auth,
      payload: { stage: 'closed' },
    });
    expect(close.statusCode).toBe(202);
    await stageOf(gone.id, 'closed');
    const again = await app.inject({
      method: 'POST',
      url: `/v1/leads/${gone.id}/stage`,
      headers: auth,
      payload: { stage: 'reactivation' },
    });
    expect(again.statusCode).toBe(409);
    expect(expectErrorFormat(again, 'lead_opted_out').details).toMatchObject({ reason: 'unsubscribed' });
    expect((await lead(gone.id)).stage).toBe('closed');
  });

  it('refuses a decision for a lead that is not a customer or dormant, or with a bad date, and records nothing', async () => {
    const { id } = await createLead('nurtured@example.jp');
    const conflict = await decide(id, { decision: 'resume' });
    expect(conflict.statusCode).toBe(409);
    expect(expectErrorFormat(conflict, 'reactivation_not_decidable').details).toMatchObject({ stage: 'nurturing' });
    const { id: customerId } = await customer('bad-decision@example.jp');
    for (const body of [
      { decision: 'resume', resumeAt: 'next spring' },
      { decision: 'close', resumeAt: '2027-04-01' },
      { decision: 'resume', cadence: 'no-such-cadence' },
    ]) {
      const res = await decide(customerId, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(422);
      expectErrorFormat(res);
    }
    expect((await decide(customerId, { decision: 'maybe' })).statusCode).toBe(422);
    const rows = await pool.query('SELECT 1 FROM reactivation_decisions WHERE lead_id = ANY($1)', [[id, customerId]]);
    expect(rows.rowCount).toBe(0);
  });

  it('lets a sales rep decide for their own leads only', async () => {
    const rep = { authorization: `Bearer ${salesKey}` };
    const own = await customer('own-lead@example.jp', { ownerEmail: 'Rep-A@example.com' });
    const res = await decide(own.id, { decision: 'close', note: 'no budget for years' }, rep);
    expect(res.statusCode, res.body).toBe(202);
    expect(res.json()).toMatchObject({ decidedBy: 'rep-a@example.com' });
    const other = await customer('other-lead@example.jp', { ownerEmail: 'rep-b@example.com' });
    const refused = await decide(other.id, { decision: 'close' }, rep);
    expect(refused.statusCode).toBe(403);
    expectErrorFormat(refused, 'forbidden');
  });

  it('tells the owner when a dormant former customer asks for a meeting, once per event, without moving the lead', async () => {
    const { id, workflowId } = await customer('dormant-intent@example.jp', {
      ownerEmail: 'owner-dormant-intent@example.com',
    });
    expect((await crmEvent('contract.ended', { leadId: id, reason: 'budget' })).statusCode).toBe(200);
    await stageOf(id, 'dormant');
    const body = { leadId: id, type: 'meeting_request', id: 'dormant-meeting-1' };
    for (let i = 0; i < 2; i++)
      expect((await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: body })).statusCode).toBe(
        202,
      );
    await waitFor(async () => (await escalations(id)).length > 0, 'the reactivation escalation');
    await settled(workflowId);
    expect(await escalations(id)).toEqual(['reactivation']);
    expect((await lead(id)).stage).toBe('dormant');
    const escalated = (await timeline(id)).find((e) => e.kind === 'escalated');
    expect(escalated?.detail).toMatchObject({ kind: 'reactivation', trigger: 'meeting_request' });
  });

  it('makes a customer’s reply an upsell escalation, and a hot lead’s second meeting request a repeat intent', async () => {
    const { id: customerId } = await customer('customer-reply@example.jp');
    await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth,
      payload: { leadId: customerId, type: 'reply', id: 'customer-reply-1' },
    });
    await waitFor(async () => (await escalations(customerId)).includes('upsell'), 'the upsell escalation');

    const { id } = await createLead('hot-twice@example.jp');
    const meeting = (n: number) =>
      app.inject({
        method: 'POST',
        url: '/v1/events',
        headers: auth,
        payload: { leadId: id, type: 'meeting_request', id: `hot-twice-${n}` },
      });
    expect((await meeting(1)).statusCode).toBe(202);
    await stageOf(id, 'deal');
    expect((await meeting(2)).statusCode).toBe(202);
    await waitFor(async () => (await escalations(id)).length === 2, 'the repeat intent escalation');
    expect(await escalations(id)).toEqual(['sales', 'repeat_intent']);
  });

  it('decays points from when the event happened and filters the list on the score now', async () => {
    const { id, workflowId } = await createLead('old-news@example.jp');
    const occurredAt = new Date(Date.now() - 60 * 86_400_000).toISOString();
    const res = await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth,
      payload: { leadId: id, type: 'reply', id: 'old-reply', occurredAt },
    });
    expect(res.statusCode).toBe(202);
    await waitFor(async () => (await lead(id)).score > 0, 'the points');
    await settled(workflowId);
    // 30 points, two half-lives ago: 7.5 now, and the lead is below the threshold.
    expect((await lead(id)).score).toBeCloseTo(7.5, 1);
    const list = async (query: string) =>
      (await app.inject({ method: 'GET', url: `/v1/leads?q=old-news&${query}`, headers: auth })).json<{
        items: { id: string }[];
      }>().items;
    expect(await list('scoreMin=7')).toHaveLength(1);
    expect(await list('scoreMin=8')).toHaveLength(0);
    expect(await list('scoreMax=8')).toHaveLength(1);
  });
});
