import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { leadEventSignal, leadStateQuery } from '../../workflows/lead-events.ts';
import { fetchHistories, HISTORIES_DIR, recordHistories, recording, releaseLabel, replay } from '../support/replay.ts';
import { auth, CRM_SECRET, mailTo, stack, startTestServices, waitFor } from '../support/services.ts';

// Every transition of DESIGN section 3, driven through the API as a CRM, a tracking
// pixel and a marketer would drive it, on real Temporal, PostgreSQL and SMTP. Durations
// are seconds so that a lifetime fits in a test.

const MJML = (text: string) =>
  `<mjml><mj-body><mj-section><mj-column><mj-text>${text} {{lead.name}}</mj-text></mj-column></mj-section></mj-body></mjml>`;
const ADDRESS = { postalCode: '100-0001', prefecture: '東京都', city: '千代田区', line1: '千代田1-1' };
const TEMPLATES = { n1: 'Nurture one', n2: 'Nurture two', u1: 'Upsell check-in', r1: 'Reactivation' };

const CADENCE = {
  name: 'Lifecycle test',
  nurture: {
    steps: [
      { after: 'PT1S', channel: 'email', template: 'n1' },
      { after: 'PT1H', channel: 'email', template: 'n2' },
    ],
  },
  scoring: { points: { email_open: 1, form_submit: 20, meeting_request: 50 }, threshold: 50, halfLife: 'P30D' },
  deal: { stalledAfter: 'PT3S' },
  lostDeal: { returnToNurtureAfter: 'PT2S' },
  upsell: { steps: [{ after: 'PT1S', channel: 'email', template: 'u1' }] },
  reactivation: {
    eligibleReasons: ['budget', 'timing'],
    waitAfterEnd: 'PT2S',
    steps: [{ after: 'PT1S', channel: 'email', template: 'r1' }],
  },
  sendWindow: null,
};

interface LeadView {
  id: string;
  stage: string;
  score: number;
  touches: number;
  nextTouchAt: string | null;
  deal: { status: string; amount: number | null; probability: number | null; ownerEmail: string | null } | null;
}

// Every lead's workflow id by a name for its history fixture.
const workflows = new Map<string, string>();

describe.concurrent('the lead lifecycle through the API', () => {
  let pool: pg.Pool;
  let app: FastifyInstance;
  let client: Client;
  const stops: (() => Promise<void>)[] = [];
  const chatMessages: { text: string }[] = [];

  beforeAll(async () => {
    // A chat webhook receiver on loopback, as Slack's incoming webhook would be.
    const chat = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        chatMessages.push(JSON.parse(body) as { text: string });
        response.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => chat.listen(0, '127.0.0.1', resolve));
    const chatUrl = `http://127.0.0.1:${(chat.address() as AddressInfo).port}/hooks/sales`;
    stops.push(() => new Promise<void>((resolve) => chat.close(() => resolve())));
    const services = await startTestServices({
      workerOptions: { salesReps: ['rr-one@example.com', 'rr-two@example.com'], salesWebhookUrl: chatUrl },
    });
    ({ pool, app, client } = services);
    stops.push(services.stop);
    for (const [key, subject] of Object.entries(TEMPLATES)) {
      expect(
        (
          await app.inject({
            method: 'PUT',
            url: `/v1/templates/${key}`,
            headers: auth,
            payload: { subject, mjml: MJML(subject) },
          })
        ).statusCode,
      ).toBe(201);
    }
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/life', headers: auth, payload: CADENCE })).statusCode,
    ).toBe(201);
    const capped = {
      ...CADENCE,
      name: 'Capped',
      nurture: {
        steps: [
          { after: 'PT1S', channel: 'email', template: 'n1' },
          { after: 'PT1S', channel: 'email', template: 'n2' },
        ],
      },
      frequencyCap: { max: 1, per: 'PT5S' },
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/capped', headers: auth, payload: capped })).statusCode,
    ).toBe(201);
    // 20 s: long enough for a test to act (unsubscribe, pause, bounce) before the touch is
    // due even on a machine at load average 20, where 4 s failed the guards of another file's
    // race in a CI-like run; each guard still fails a run that acted too late.
    const slow = {
      ...CADENCE,
      name: 'Slow first step',
      nurture: { steps: [{ after: 'PT20S', channel: 'email', template: 'n1' }] },
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/slow', headers: auth, payload: slow })).statusCode,
    ).toBe(201);
    const more = {
      // The same email, with paper mail as its fallback when email cannot reach the lead.
      'slow-dm': {
        name: 'Slow first step, DM when email is suppressed',
        nurture: {
          steps: [{ after: 'PT20S', channel: 'email', template: 'n1', fallback: { channel: 'dm', template: 'n1' } }],
        },
      },
      // A touch an hour away: nothing goes out while a test moves it.
      hour: { name: 'An hour away', nurture: { steps: [{ after: 'PT1H', channel: 'email', template: 'n1' }] } },
    };
    for (const [key, cadence] of Object.entries(more)) {
      const res = await app.inject({
        method: 'PUT',
        url: `/v1/cadences/${key}`,
        headers: auth,
        payload: { ...CADENCE, ...cadence },
      });
      expect(res.statusCode, key).toBe(201);
    }
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  const createLead = async (email: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email, name: 'テスト', cadence: 'life', ...extra },
    });
    expect(res.statusCode).toBe(201);
    workflows.set(email.split('@')[0] as string, res.json<{ workflowId: string }>().workflowId);
    return res.json<{ id: string }>().id;
  };
  const lead = async (id: string): Promise<LeadView> =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<LeadView>();
  const stageOf = (id: string, stage: string, what = `stage ${stage}`) =>
    waitFor(async () => (await lead(id)).stage === stage, what, 20_000);
  const timeline = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth })).json<{
      items: { kind: string; detail: Record<string, unknown> }[];
    }>().items;
  const event = (body: Record<string, unknown>) =>
    app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: body });
  const crm = (body: Record<string, unknown>, secret = CRM_SECRET) => {
    const raw = JSON.stringify(body);
    const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
    return app.inject({
      method: 'POST',
      url: '/v1/webhooks/crm/generic',
      headers: { 'content-type': 'application/json', 'x-signature': signature },
      payload: raw,
    });
  };
  let crmSeq = 0;
  const crmEvent = (type: string, data: Record<string, unknown>) =>
    crm({ id: `crm-${Date.now()}-${crmSeq++}`, type, occurredAt: new Date().toISOString(), data });
  const mails = (email: string, subject?: string) =>
    mailTo(email).then((all) => all.filter((m) => subject === undefined || m.subject?.startsWith(subject)));
  const handleOf = (name: string) => client.workflow.getHandle(workflows.get(name) as string);
  /**
   * Waits until the lead's workflow has nothing in flight: no activity, no workflow task,
   * no event unhandled. With no timer left either (closed, or paused), nothing more can
   * happen until an event arrives: the proof that something did not, without a sleep.
   */
  const settled = (name: string) =>
    waitFor(async () => {
      const { raw } = await handleOf(name).describe();
      return (
        (raw.pendingActivities?.length ?? 0) === 0 &&
        !raw.pendingWorkflowTask &&
        (await handleOf(name).query(leadStateQuery)).pendingEvents === 0
      );
    }, `${name}'s workflow to settle`);
  /** When the lead's scheduled touch is due (ms). */
  const dueOf = async (id: string) =>
    Date.parse(await waitFor(async () => (await lead(id)).nextTouchAt ?? undefined, 'the touch to be scheduled'));
  /** When the timeline first shows `kind` (ms). */
  const timelineAt = async (id: string, kind: string) => {
    const items = (await app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth })).json<{
      items: { at: string; kind: string }[];
    }>().items;
    return Date.parse(items.find((e) => e.kind === kind)?.at ?? 'NaN');
  };
  /** The guard of a race against a short cadence: the action must have landed before the touch was due. */
  const landedBefore = (at: number, due: number, what: string) =>
    expect(at, `${what} landed before the touch was due (else this run proves nothing)`).toBeLessThan(due);

  it('escalates a lead once when events push its score over the threshold, emailing the owner rep', async () => {
    const id = await createLead('hot@example.jp', { ownerEmail: 'owner-hot@example.com', company: '熱心商事' });
    expect((await event({ leadId: id, type: 'form_submit', id: 'hot-1' })).statusCode).toBe(202);
    expect((await event({ email: 'HOT@example.jp', type: 'web_visit', id: 'hot-2' })).statusCode).toBe(202);
    await waitFor(async () => (await lead(id)).score >= 20, 'the first points');
    expect((await lead(id)).stage).toBe('nurturing');

    expect((await event({ leadId: id, type: 'meeting_request', id: 'hot-3' })).statusCode).toBe(202);
    await stageOf(id, 'deal');
    const [alert] = await waitFor(async () => {
      const received = await mails('owner-hot@example.com');
      return received.length > 0 && received;
    }, 'the escalation email to the owner');
    expect(alert?.subject).toContain('【ホットリード】熱心商事 テスト 様');
    expect(alert?.text).toContain('hot@example.jp');

    // More engagement in the deal stage adds points but never makes a second sales
    // escalation; a meeting request there still reaches the owner, as a repeat_intent one.
    await event({ leadId: id, type: 'meeting_request', id: 'hot-4' });
    await waitFor(async () => (await lead(id)).score >= 120, 'the later points');
    type Escalation = { id: string; kind: string; ownerEmail: string; ackedAt: string | null };
    const escalations = await waitFor(async () => {
      const items = (
        await app.inject({ method: 'GET', url: `/v1/escalations?status=all&leadId=${id}`, headers: auth })
      ).json<{ items: Escalation[] }>().items;
      return items.length >= 2 && items;
    }, 'the repeat_intent escalation');
    expect(escalations.map((e) => e.kind).sort()).toEqual(['repeat_intent', 'sales']);
    const sales = escalations.find((e) => e.kind === 'sales');
    expect(sales).toMatchObject({ ownerEmail: 'owner-hot@example.com', ackedAt: null });
    const acked = await app.inject({ method: 'POST', url: `/v1/escalations/${sales?.id}/ack`, headers: auth });
    expect(acked.json()).toMatchObject({ ackedBy: 'admin', ackedAt: expect.any(String) });
    expect(
      (await app.inject({ method: 'GET', url: `/v1/escalations?leadId=${id}`, headers: auth }))
        .json<{ items: Escalation[] }>()
        .items.map((e) => e.kind),
    ).toEqual(['repeat_intent']);
    expect(await mails('owner-hot@example.com', '【ホットリード】')).toHaveLength(1);
  });

  it('hands a lead without an owner to the configured reps in turn, and posts to the chat webhook', async () => {
    const first = await createLead('no-owner-1@example.jp', { company: '順番商事' });
    const second = await createLead('no-owner-2@example.jp', { company: '交代工業' });
    await event({ leadId: first, type: 'meeting_request', id: 'rr-1' });
    await stageOf(first, 'deal');
    await event({ leadId: second, type: 'meeting_request', id: 'rr-2' });
    await stageOf(second, 'deal');
    const owners = await waitFor(async () => {
      const items = (await app.inject({ method: 'GET', url: '/v1/escalations?status=all', headers: auth })).json<{
        items: { leadId: string; ownerEmail: string }[];
      }>().items;
      const mine = items.filter((e) => e.leadId === first || e.leadId === second);
      return (
        mine.length === 2 && new Map(mine.map((e) => [e.leadId === first ? '順番商事' : '交代工業', e.ownerEmail]))
      );
    }, 'both escalations');
    // Both from the rotation. (Which one each gets depends on the other tests running
    // alongside, which take turns from the same rotation for ownerless deal alerts.)
    for (const [company, owner] of owners) {
      expect(['rr-one@example.com', 'rr-two@example.com']).toContain(owner);
      await waitFor(
        async () => (await mails(owner, '【ホットリード】')).some((m) => m.subject?.includes(company)),
        `the escalation email to ${owner}`,
      );
    }
    // Only the escalations' messages: the deals stall after PT3S and post "Stalled deal" too.
    const hotLeadMessages = () => chatMessages.filter((m) => /^Hot lead: (順番商事|交代工業) /.test(m.text));
    await waitFor(async () => hotLeadMessages().length >= 2, 'both chat messages');
    expect(hotLeadMessages()).toHaveLength(2);
    expect(hotLeadMessages().find((m) => m.text.includes('順番商事'))?.text).toMatch(
      /^Hot lead: 順番商事 テスト \(score 50\)/,
    );
  });

  it('counts an event id once however often it is sent', async () => {
    const id = await createLead('dedupe@example.jp');
    const first = await event({ leadId: id, type: 'form_submit', id: 'same-event' });
    const again = await event({ leadId: id, type: 'form_submit', id: 'same-event' });
    expect(first.json()).toMatchObject({ accepted: true, duplicate: false });
    expect(again.json()).toMatchObject({ accepted: true, duplicate: true });
    await waitFor(async () => (await lead(id)).score > 0, 'the points');
    // The repeat never reached the workflow: one signal in its history, one event row.
    await settled('dedupe');
    const signals =
      (await handleOf('dedupe').fetchHistory()).events?.filter((e) => e.workflowExecutionSignaledEventAttributes) ?? [];
    expect(signals).toHaveLength(1);
    expect((await pool.query('SELECT 1 FROM events WHERE lead_id = $1', [id])).rowCount).toBe(1);
    expect((await lead(id)).score).toBeCloseTo(20, 1);
  });

  it('alerts the deal owner when a deal stalls, and tracks the CRM deal fields', async () => {
    const id = await createLead('stall@example.jp', { ownerEmail: 'owner-stall@example.com' });
    const res = await crmEvent('deal.stage_changed', {
      email: 'stall@example.jp',
      stage: 'proposal',
      amount: 1200000,
      probability: 40,
      expectedCloseDate: '2099-12-31',
    });
    expect(res.statusCode).toBe(200);
    await stageOf(id, 'deal');
    expect((await lead(id)).deal).toMatchObject({
      status: 'open',
      amount: 1200000,
      probability: 40,
      ownerEmail: 'owner-stall@example.com',
      expectedCloseDate: '2099-12-31',
      daysStalled: 0,
    });
    const live = await app.inject({ method: 'GET', url: `/v1/leads/${id}/state`, headers: auth });
    expect(live.json()).toMatchObject({ stage: 'deal', paused: false, cadenceKey: 'life' });
    const [stalled] = await waitFor(
      async () => {
        const received = await mails('owner-stall@example.com', '【商談停滞】');
        return received.length > 0 && received;
      },
      'the stalled-deal alert',
      20_000,
    );
    expect(stalled?.subject).toContain('日動きがありません');
    expect((await timeline(id)).map((e) => e.kind)).toContain('deal_stalled');
  });

  it('alerts once when the expected close date has passed', async () => {
    const id = await createLead('overdue@example.jp', { ownerEmail: 'owner-overdue@example.com' });
    await crmEvent('deal.stage_changed', { leadId: id, stage: 'negotiation', expectedCloseDate: '2020-01-31' });
    await waitFor(
      async () => (await mails('owner-overdue@example.com', '【成約予定日超過】')).length === 1,
      'the close-date alert',
    );
    // Once the workflow has settled with the alert made, a second one would show here.
    await settled('overdue');
    expect(await mails('owner-overdue@example.com', '【成約予定日超過】')).toHaveLength(1);
    expect((await timeline(id)).filter((e) => e.kind === 'close_date_passed')).toHaveLength(1);
  });

  it('starts upsell touches when the deal is won', async () => {
    const id = await createLead('won@example.jp');
    await crmEvent('deal.won', { leadId: id, amount: 500000 });
    await stageOf(id, 'customer');
    await waitFor(async () => (await mails('won@example.jp', 'Upsell check-in')).length === 1, 'the upsell email');
  });

  it('returns a lost deal to nurturing after the cool-down, touching it again', async () => {
    const id = await createLead('lost@example.jp');
    await waitFor(async () => (await mails('lost@example.jp', 'Nurture one')).length === 1, 'the first nurture email');
    await crmEvent('deal.stage_changed', { leadId: id, stage: 'proposal' });
    await stageOf(id, 'deal');
    await crmEvent('deal.lost', { leadId: id, reason: 'price' });
    await waitFor(async () => (await lead(id)).deal?.status === 'lost', 'the lost deal');
    await stageOf(id, 'nurturing', 'back to nurturing');
    await waitFor(
      async () => (await mails('lost@example.jp', 'Nurture one')).length === 2,
      'the nurture email after the return',
    );
  });

  it('reactivates a customer whose contract ended for an eligible reason, after the wait', async () => {
    const id = await createLead('budget@example.jp');
    await crmEvent('deal.won', { leadId: id });
    await stageOf(id, 'customer');
    await crmEvent('contract.ended', { leadId: id, reason: 'budget' });
    await stageOf(id, 'dormant');
    await stageOf(id, 'reactivation');
    await waitFor(
      async () => (await mails('budget@example.jp', 'Reactivation')).length === 1,
      'the reactivation email',
    );
  });

  it('closes an account whose contract ended for a reason not eligible for reactivation', async () => {
    const id = await createLead('moved-on@example.jp');
    await crmEvent('deal.won', { leadId: id });
    await stageOf(id, 'customer');
    await crmEvent('contract.ended', { leadId: id, reason: 'went bankrupt' });
    await stageOf(id, 'closed');
    const kinds = (await timeline(id)).filter((e) => e.kind === 'stage_changed').map((e) => e.detail.to);
    expect(kinds).toEqual(['customer', 'dormant', 'closed']);
  });

  // Races a PT20S step or a PT5S cap: run alone (it.sequential), not beside the others.
  it.sequential(
    'stops only email when the lead unsubscribes: the touch already scheduled goes as paper DM, and the lead stays in nurturing',
    async () => {
      const id = await createLead('leaving@example.jp', { cadence: 'slow-dm', postalAddress: ADDRESS });
      const due = await dueOf(id);
      expect((await crmEvent('contact.unsubscribed', { leadId: id })).statusCode).toBe(200);
      const entry = await waitFor(
        async () => (await timeline(id)).find((e) => e.kind === 'unsubscribed'),
        'the unsubscribe on the timeline',
      );
      expect(entry.detail).toEqual({ channel: 'email', reason: 'unsubscribed via CRM' });
      landedBefore(await timelineAt(id, 'unsubscribed'), due, 'the unsubscribe');
      // The email step comes due and goes by paper mail, which an email opt-out does not cover.
      const fallback = await waitFor(
        async () => (await timeline(id)).find((e) => e.kind === 'touch_fallback'),
        'the DM instead of the email',
        20_000,
      );
      expect(fallback.detail).toMatchObject({
        channel: 'dm',
        reasons: [expect.objectContaining({ code: 'fallback', message: 'DM instead of email: email is suppressed' })],
      });
      // The sequence has ended and no timer is left: settled, nothing more can be sent.
      await settled('leaving');
      expect(await mails('leaving@example.jp')).toHaveLength(0);
      const dms = (await app.inject({ method: 'GET', url: '/v1/dm-tasks?status=open', headers: auth }))
        .json<{ items: { leadId: string; templateKey: string }[] }>()
        .items.filter((t) => t.leadId === id);
      expect(dms).toMatchObject([{ templateKey: 'n1' }]);
      expect(await lead(id)).toMatchObject({ stage: 'nurturing', touches: 1 });
      expect((await timeline(id)).filter((e) => e.kind === 'stage_changed')).toEqual([]);
    },
  );

  // Races a PT20S step or a PT5S cap: run alone (it.sequential), not beside the others.
  it.sequential('delays a touch that would break the frequency cap', async () => {
    const id = await createLead('capped@example.jp', { cadence: 'capped' });
    const received = await waitFor(
      async () => {
        const all = await mails('capped@example.jp');
        return all.length === 2 && all;
      },
      'both capped emails',
      30_000,
    );
    expect(received).toHaveLength(2);
    // Measured from the timeline (milliseconds), not the Date headers (whole seconds).
    const sent = (await app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth }))
      .json<{ items: { at: string; kind: string }[] }>()
      .items.filter((e) => e.kind === 'email_sent');
    expect(sent).toHaveLength(2);
    const gap = Date.parse(sent[1]!.at) - Date.parse(sent[0]!.at);
    // Without the cap the second email would follow one second after the first.
    expect(gap).toBeGreaterThanOrEqual(4000);
    const delayed = (await timeline(id)).find((e) => e.kind === 'touch_delayed');
    expect(delayed?.detail.by).toEqual(['cap']);
  });

  it('holds a touch outside the send window until the window opens', async () => {
    // A one-hour window that opens on a coming full hour (UTC), at least two minutes away:
    // the touch, due a second after the lead is created, always falls outside it.
    const now = new Date();
    const nextHour = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), now.getUTCHours() + 1);
    const opens = new Date(nextHour - now.getTime() < 120_000 ? nextHour + 3600_000 : nextHour);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const closes = new Date(opens.getTime() + 3600_000);
    const window = {
      timezone: 'UTC',
      businessDays: false,
      from: hhmm(opens),
      to: hhmm(closes) === '00:00' ? '23:59' : hhmm(closes),
    };
    const cadence = {
      ...CADENCE,
      name: 'Windowed',
      nurture: { steps: [{ after: 'PT1S', channel: 'email', template: 'n1' }] },
      sendWindow: window,
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/windowed', headers: auth, payload: cadence })).statusCode,
    ).toBe(201);
    const id = await createLead('windowed@example.jp', { cadence: 'windowed' });
    const delayed = await waitFor(
      async () => (await timeline(id)).find((e) => e.kind === 'touch_delayed'),
      'the delay entry',
    );
    expect(delayed.detail).toMatchObject({ by: ['window'], until: opens.toISOString() });
    expect((await lead(id)).nextTouchAt).toBe(opens.toISOString());
    expect(await mails('windowed@example.jp')).toHaveLength(0);
  });

  // Races a PT20S step or a PT5S cap: run alone (it.sequential), not beside the others.
  it.sequential('holds touches while paused and sends them on resume', async () => {
    const id = await createLead('paused@example.jp', { cadence: 'slow' });
    const due = await dueOf(id);
    expect((await app.inject({ method: 'POST', url: `/v1/leads/${id}/pause`, headers: auth })).statusCode).toBe(202);
    await waitFor(
      async () =>
        (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{ paused: boolean }>().paused,
      'the pause',
    );
    landedBefore(await timelineAt(id, 'paused'), due, 'the pause');
    // Paused, the workflow waits for events only (no timer). Past the due time and settled,
    // the touch has been held, not sent.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, due - Date.now())));
    await settled('paused');
    expect(await mails('paused@example.jp')).toHaveLength(0);
    await app.inject({ method: 'POST', url: `/v1/leads/${id}/resume`, headers: auth });
    await waitFor(async () => (await mails('paused@example.jp')).length === 1, 'the held email after resume');
  });

  it('moves the touch waited on by the length of a pause: a pause stops the lead’s calendar', async () => {
    const id = await createLead('paused-calendar@example.jp', { cadence: 'hour' });
    const due = await dueOf(id);
    const flag = (action: 'pause' | 'resume', entry: string) =>
      app.inject({ method: 'POST', url: `/v1/leads/${id}/${action}`, headers: auth }).then(async (res) => {
        expect(res.statusCode).toBe(202);
        await waitFor(async () => (await timeline(id)).some((e) => e.kind === entry), `the ${entry} entry`);
      });
    await flag('pause', 'paused');
    await flag('resume', 'resumed');
    // Both times are the workflow's own (it wrote the entries as it handled the events).
    const pausedFor = (await timelineAt(id, 'resumed')) - (await timelineAt(id, 'paused'));
    expect(pausedFor).toBeGreaterThan(0);
    const moved = await waitFor(async () => {
      const next = (await lead(id)).nextTouchAt;
      return next !== null && Date.parse(next) !== due && Date.parse(next);
    }, 'the touch to be planned again');
    expect(moved).toBe(due + pausedFor);
  });

  it('continues as new when history grows, keeping the score, the stage and every event', async () => {
    const id = await createLead('chatty@example.jp', { cadence: 'slow' });
    // Twenty points short of the threshold in 1-point opens, spread over many signals.
    for (let i = 0; i < 45; i++)
      expect((await event({ leadId: id, type: 'email_open', id: `chatty-${i}` })).statusCode).toBe(202);
    await waitFor(async () => (await lead(id)).score >= 44.9, 'all the points', 30_000);
    // The workflow sees Temporal's suggestion at its next task (the next event, or the
    // touch's timer at the latest) and continues as new there.
    const handle = client.workflow.getHandle(workflows.get('chatty') as string);
    await waitFor(
      async () => {
        const description = await handle.describe();
        return description.runId !== description.raw.workflowExecutionInfo?.firstRunId;
      },
      'a new run',
      30_000,
    );
    await waitFor(
      async () => (await mails('chatty@example.jp')).length === 1,
      'the touch planned before continue-as-new',
    );
    // The new run carries the score, the stage and the events already counted.
    const live = (await app.inject({ method: 'GET', url: `/v1/leads/${id}/state`, headers: auth })).json<{
      stage: string;
      score: number;
      pendingEvents: number;
    }>();
    expect(live.stage).toBe('nurturing');
    expect(live.score).toBeGreaterThanOrEqual(44.9);
    // The API drops a repeated id before signalling, so the new run's memory of seen events
    // is tested by signalling it directly: an event the old run counted, then a fresh one.
    // Signals are handled in order, so once the fresh point shows, the repeat was handled too.
    const occurredAtMs = Date.now();
    await handle.signal(leadEventSignal, { kind: 'engagement', eventId: 'chatty-0', type: 'email_open', occurredAtMs });
    await handle.signal(leadEventSignal, {
      kind: 'engagement',
      eventId: 'chatty-fresh',
      type: 'email_open',
      occurredAtMs,
    });
    const after = await waitFor(async () => {
      const state = await handle.query(leadStateQuery);
      return state.score >= live.score + 0.9 && state.pendingEvents === 0 && state;
    }, 'the fresh point after continue-as-new');
    // One point more, not two: the repeat of an id counted before continue-as-new was ignored.
    expect(after.score).toBeCloseTo(live.score + 1, 1);
  });

  // Races a PT20S step or a PT5S cap: run alone (it.sequential), not beside the others.
  it.sequential(
    'stops email to an address that hard-bounced or complained, and keeps both leads in nurturing',
    async () => {
      const bounced = await createLead('bounced@example.jp', { cadence: 'slow' });
      const bouncedDue = await dueOf(bounced);
      expect((await event({ leadId: bounced, type: 'bounce', bounceType: 'hard', id: 'bounce-1' })).statusCode).toBe(
        202,
      );
      await waitFor(
        async () => (await timeline(bounced)).some((e) => e.kind === 'email_hard_bounce'),
        'the bounce on the timeline',
      );
      // The suppression is written by the API before it answers; the workflow's record follows.
      landedBefore(await timelineAt(bounced, 'email_hard_bounce'), bouncedDue, 'the bounce');
      const complained = await createLead('complained@example.jp', { cadence: 'slow' });
      const complainedDue = await dueOf(complained);
      expect((await event({ email: 'complained@example.jp', type: 'complaint', id: 'complaint-1' })).statusCode).toBe(
        202,
      );
      // A complaint is an unsubscribe from email: the lead is not closed.
      const unsubscribed = await waitFor(
        async () => (await timeline(complained)).find((e) => e.kind === 'unsubscribed'),
        'the complaint on the timeline',
      );
      expect(unsubscribed.detail).toEqual({ channel: 'email', reason: 'complaint' });
      landedBefore(await timelineAt(complained, 'unsubscribed'), complainedDue, 'the complaint');
      const suppressed = await pool.query<{ email: string; reason: string }>(
        "SELECT email, reason FROM suppressions WHERE email IN ('bounced@example.jp', 'complained@example.jp') ORDER BY email",
      );
      expect(suppressed.rows).toEqual([
        { email: 'bounced@example.jp', reason: 'hard bounce' },
        { email: 'complained@example.jp', reason: 'complaint' },
      ]);
      // The touches both had scheduled (PT20S) are not sent: each comes due and is skipped
      // (the timeline says so; the step has no fallback), and the sequence ends with no timer left.
      for (const id of [bounced, complained])
        await waitFor(
          async () =>
            (await timeline(id)).some((e) => e.kind === 'touch_skipped' && e.detail.reason === 'email suppressed'),
          'the skipped touch',
          20_000,
        );
      await settled('bounced');
      await settled('complained');
      expect(await mails('bounced@example.jp')).toHaveLength(0);
      expect(await mails('complained@example.jp')).toHaveLength(0);
      for (const id of [bounced, complained]) expect((await lead(id)).stage).toBe('nurturing');
    },
  );

  it('moves a lead by hand into a deal and back, and closes a lead marked do-not-contact', async () => {
    const moved = await createLead('moved-by-hand@example.jp', { cadence: 'slow' });
    const move = (stage: string, reason?: string) =>
      app.inject({
        method: 'POST',
        url: `/v1/leads/${moved}/stage`,
        headers: auth,
        payload: { stage, ...(reason === undefined ? {} : { reason }) },
      });
    expect((await move('deal', 'called us')).statusCode).toBe(202);
    await stageOf(moved, 'deal');
    expect((await move('nurturing')).statusCode).toBe(202);
    await stageOf(moved, 'nurturing', 'back to nurturing by hand');
    expect((await lead(moved)).deal?.status).toBe('lost');
    const stages = (await timeline(moved)).filter((e) => e.kind === 'stage_changed').map((e) => e.detail.to);
    expect(stages).toEqual(['deal', 'nurturing']);

    const dnc = await createLead('do-not-contact@example.jp', { cadence: 'slow' });
    expect(
      (await app.inject({ method: 'POST', url: `/v1/leads/${dnc}/do-not-contact`, headers: auth })).statusCode,
    ).toBe(202);
    await stageOf(dnc, 'closed');
    const suppressed = await pool.query<{ reason: string }>(
      "SELECT reason FROM suppressions WHERE email = 'do-not-contact@example.jp'",
    );
    expect(suppressed.rows).toEqual([{ reason: 'do not contact' }]);
  });

  it('refuses a CRM webhook with a bad signature and changes nothing', async () => {
    const body = {
      id: 'forged-1',
      type: 'deal.won',
      occurredAt: new Date().toISOString(),
      data: { email: 'forged@example.jp' },
    };
    const res = await crm(body, 'not-the-secret-at-all');
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: { code: 'bad_signature' } });
    const unsigned = await app.inject({
      method: 'POST',
      url: '/v1/webhooks/crm/generic',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify(body),
    });
    expect(unsigned.statusCode).toBe(401);
    const rows = await pool.query("SELECT count(*)::int AS n FROM leads WHERE email = 'forged@example.jp'");
    expect(rows.rows[0]?.n).toBe(0);
  });

  it('gives a repeated CRM event id no second effect, and creates the lead a deal event names', async () => {
    const body = {
      id: 'crm-repeat-1',
      type: 'deal.stage_changed',
      occurredAt: new Date().toISOString(),
      data: { email: 'new-from-crm@example.jp', stage: 'qualification', amount: 300000 },
    };
    const first = await crm(body);
    const second = await crm(body);
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ duplicate: false });
    expect(second.json()).toMatchObject({ duplicate: true, leadId: first.json<{ leadId: string }>().leadId });
    const id = first.json<{ leadId: string }>().leadId;
    await stageOf(id, 'deal');
    const changes = (await timeline(id)).filter((e) => e.kind === 'deal_stage_changed');
    expect(changes).toHaveLength(1);
  });

  it('answers 422 naming the field for a CRM event with bad data, and records no receipt', async () => {
    const res = await crmEvent('contract.ended', { email: 'x@example.jp' });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: { details: [{ path: '/data/reason' }] } });
    const bad = await crmEvent('deal.stage_changed', { email: 'x@example.jp', probability: 140 });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ error: { details: [{ path: '/data/probability' }] } });
    const rows = await pool.query("SELECT count(*)::int AS n FROM leads WHERE email = 'x@example.jp'");
    expect(rows.rows[0]?.n).toBe(0);
  });
});

// The leads the tests above make, by fixture name. Listed here rather than counted from
// the map, so a test that failed before making its lead is named, not hidden in a total.
const EXPECTED_HISTORIES = [
  'budget',
  'bounced',
  'capped',
  'chatty',
  'complained',
  'dedupe',
  'do-not-contact',
  'hot',
  'leaving',
  'lost',
  'moved-by-hand',
  'moved-on',
  'no-owner-1',
  'no-owner-2',
  'overdue',
  'paused',
  'paused-calendar',
  'stall',
  'windowed',
  'won',
];

// Runs after the concurrent describe above has finished (vitest runs describes in order).
describe('the histories of the leads above', () => {
  it('replay against the workflow code that made them', async () => {
    const connection = await Connection.connect({ address: stack().temporalAddress });
    try {
      expect([...workflows.keys()].sort()).toEqual([...EXPECTED_HISTORIES].sort());
      const histories = await fetchHistories(new Client({ connection }), workflows);
      expect(await replay(histories)).toEqual([]);
      // RECORD_HISTORIES=1 keeps them under this release's folder, which
      // test/integration/replay.test.ts replays against every later version.
      if (recording()) await recordHistories(histories, path.join(HISTORIES_DIR, releaseLabel()));
    } finally {
      await connection.close();
    }
  });
});
