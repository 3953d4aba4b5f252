import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHistories, replay } from '../support/replay.ts';
import { auth, startTestServices, waitFor } from '../support/services.ts';

// The lead, escalation and report routes the console's lead page, sales inbox and
// dashboard call, driven through the API on real PostgreSQL and Temporal.

const MJML =
  '<mjml><mj-body><mj-section><mj-column><mj-text>Hello {{lead.name}}</mj-text></mj-column></mj-section></mj-body></mjml>';
const CADENCE = {
  name: 'Console leads',
  // The first touch is an hour away: the leads sit in nurturing while the tests act on them.
  nurture: { steps: [{ after: 'PT1H', channel: 'email', template: 'n1' }] },
  scoring: { points: { form_submit: 20, meeting_request: 50, email_open: 1 }, threshold: 50, halfLife: 'P30D' },
  sendWindow: null,
};

interface LeadView {
  stage: string;
  profile: { ownerEmail: string | null };
  deal: { status: string; ownerEmail: string | null } | null;
}

describe('console routes for leads, escalations and the funnel', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let client: Client;
  let stop: () => Promise<void>;
  const keys: Record<string, string> = {};
  const as = (role: string) => ({ authorization: `Bearer ${keys[role] ?? ''}` });
  const workflows = new Map<string, string>();

  beforeAll(async () => {
    const services = await startTestServices();
    ({ app, pool, client, stop } = services);
    for (const role of ['marketer', 'sales', 'integration']) {
      keys[role] = (
        await app.inject({ method: 'POST', url: '/v1/api-keys', headers: auth, payload: { name: role, role } })
      ).json<{ key: string }>().key;
    }
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/templates/n1',
          headers: auth,
          payload: { subject: 'n1', mjml: MJML },
        })
      ).statusCode,
    ).toBe(201);
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/console', headers: auth, payload: CADENCE })).statusCode,
    ).toBe(201);
  });
  afterAll(async () => stop());

  const createLead = async (email: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email, name: '高橋 健', company: '株式会社テスト', cadence: 'console', ...extra },
    });
    expect(res.statusCode).toBe(201);
    const { id, workflowId } = res.json<{ id: string; workflowId: string }>();
    workflows.set(email, workflowId);
    return id;
  };
  const lead = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<LeadView>();
  const inStage = (id: string, stage: string) =>
    waitFor(async () => (await lead(id)).stage === stage, `the lead in ${stage}`);
  const timeline = async (id: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth })).json<{
      items: { at: string; kind: string; detail: Record<string, unknown> }[];
    }>().items;
  const event = async (leadId: string, type: string) =>
    expect(
      (await app.inject({ method: 'POST', url: '/v1/events', headers: auth, payload: { leadId, type } })).statusCode,
    ).toBe(202);
  const moveStage = (id: string, payload: object, headers = as('marketer')) =>
    app.inject({ method: 'POST', url: `/v1/leads/${id}/stage`, headers, payload });

  /** A lead made hot by a form and a meeting request: escalated to sales and in the deal stage. */
  const hotLead = async (email: string): Promise<string> => {
    const id = await createLead(email);
    await event(id, 'form_submit');
    await waitFor(async () => (await timeline(id)).some((e) => e.kind === 'event'), 'the first event scored');
    await event(id, 'meeting_request');
    await inStage(id, 'deal');
    return id;
  };

  describe('escalations and score history', () => {
    let leadId: string;
    beforeAll(async () => {
      leadId = await hotLead('console-hot@example.jp');
    });

    it('draws the score over time from the scored events, with the threshold, decaying to now', async () => {
      const res = await app.inject({ method: 'GET', url: `/v1/leads/${leadId}/score-history`, headers: as('sales') });
      expect(res.statusCode).toBe(200);
      const body = res.json<{
        threshold: number;
        halfLife: string;
        points: { at: string; score: number; event?: string }[];
      }>();
      expect(body).toMatchObject({ threshold: 50, halfLife: 'P30D' });
      const recorded = (await timeline(leadId))
        .filter((e) => e.kind === 'event')
        .map((e) => [e.detail.type, e.detail.score]);
      expect(body.points.filter((p) => p.event).map((p) => [p.event, p.score])).toEqual(recorded);
      expect(recorded.map((r) => r[0])).toEqual(['form_submit', 'meeting_request']);
      expect(body.points[0]?.score).toBe(0);
      const last = body.points.at(-1);
      expect(Date.parse(last?.at ?? '')).toBeGreaterThan(Date.now() - 5000);
      expect(last?.score).toBeGreaterThan(69);
      expect(last?.score).toBeLessThanOrEqual(70);
      expect(
        (await app.inject({ method: 'GET', url: '/v1/leads/not-a-uuid/score-history', headers: auth })).statusCode,
      ).toBe(404);
    });

    it('lists escalations with the lead, and shows one with why it is hot and whether it was acknowledged', async () => {
      const list = (await app.inject({ method: 'GET', url: '/v1/escalations', headers: as('sales') })).json<{
        items: { id: string; lead: { name: string; company: string; score: number } }[];
      }>();
      const item = list.items.find((e) => e.lead.name === '高橋 健');
      expect(item?.lead).toMatchObject({
        name: '高橋 健',
        company: '株式会社テスト',
        email: 'console-hot@example.jp',
        stage: 'deal',
      });
      expect(item?.lead.score).toBeGreaterThan(69);

      const one = await app.inject({ method: 'GET', url: `/v1/escalations/${item?.id ?? ''}`, headers: as('sales') });
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({
        id: item?.id,
        kind: 'sales',
        score: 70,
        threshold: 50,
        acknowledged: false,
        ackedAt: null,
        lead: { id: leadId, name: '高橋 健' },
      });
      expect(
        one.json<{ recentEvents: { type: string; points: number }[] }>().recentEvents.map((e) => [e.type, e.points]),
      ).toEqual([
        ['form_submit', 20],
        ['meeting_request', 50],
      ]);
      await app.inject({ method: 'POST', url: `/v1/escalations/${item?.id ?? ''}/ack`, headers: as('sales') });
      expect(
        (await app.inject({ method: 'GET', url: `/v1/escalations/${item?.id ?? ''}`, headers: auth })).json(),
      ).toMatchObject({ acknowledged: true, ackedAt: expect.any(String) });
      for (const id of ['00000000-0000-4000-8000-000000000000', 'nope', "1' OR '1'='1"]) {
        expect(
          (await app.inject({ method: 'GET', url: `/v1/escalations/${encodeURIComponent(id)}`, headers: auth }))
            .statusCode,
        ).toBe(404);
      }
    });
  });

  describe('POST /v1/leads/:id/stage', () => {
    it('gives a deal up back to nurturing, opens one by hand, and closes the lead, each on the timeline', async () => {
      const id = await hotLead('console-mover@example.jp');
      const back = await moveStage(id, { stage: 'nurturing', reason: '予算未確定' });
      expect(back.statusCode).toBe(202);
      expect(back.json()).toEqual({ accepted: true, from: 'deal', to: 'nurturing' });
      await inStage(id, 'nurturing');
      expect((await lead(id)).deal?.status).toBe('lost');

      expect((await moveStage(id, { stage: 'deal' })).statusCode).toBe(202);
      await inStage(id, 'deal');
      expect((await lead(id)).deal?.status).toBe('open');
      const pipeline = (await app.inject({ method: 'GET', url: '/v1/reports/pipeline', headers: auth })).json<{
        reps: { deals: { leadId: string }[] }[];
      }>();
      expect(pipeline.reps.flatMap((r) => r.deals.map((d) => d.leadId))).toContain(id);

      expect((await moveStage(id, { stage: 'closed' })).statusCode).toBe(202);
      await inStage(id, 'closed');
      const entries = await timeline(id);
      expect(
        entries.filter((e) => e.kind === 'stage_changed').map((e) => [e.detail.from, e.detail.to, e.detail.reason]),
      ).toEqual([
        ['nurturing', 'deal', 'score reached the threshold'],
        ['deal', 'nurturing', 'moved by hand: 予算未確定'],
        ['nurturing', 'deal', 'moved by hand'],
        ['deal', 'closed', 'moved by hand'],
      ]);
      expect(entries.filter((e) => e.kind === 'deal_lost' || e.kind === 'deal_opened').map((e) => e.kind)).toEqual([
        'deal_lost',
        'deal_opened',
        'deal_lost',
      ]);
    });

    it('refuses a move that is not allowed with 409, an unknown stage with 422, and roles that may not', async () => {
      const id = await createLead('stays@example.jp');
      const refused = await moveStage(id, { stage: 'customer' });
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({
        error: {
          code: 'stage_move_not_allowed',
          details: { from: 'nurturing', to: 'customer', allowed: ['deal', 'closed'] },
        },
      });
      expect((await moveStage(id, { stage: 'nurturing' })).statusCode).toBe(409);
      expect((await moveStage(id, { stage: 'won' })).statusCode).toBe(422);
      expect((await moveStage(id, { stage: 'deal', colour: 'red' })).statusCode).toBe(422);
      expect((await moveStage(id, { stage: 'deal' }, as('sales'))).statusCode).toBe(403);
      expect((await moveStage(id, { stage: 'deal' }, as('integration'))).statusCode).toBe(403);
      expect((await moveStage('00000000-0000-4000-8000-000000000000', { stage: 'deal' })).statusCode).toBe(404);
      // Nothing reached the workflow (no signal in its history, where one would be at once):
      // still nurturing, no stage change on the timeline.
      const history = await client.workflow.getHandle(workflows.get('stays@example.jp') as string).fetchHistory();
      expect(history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes) ?? []).toEqual([]);
      expect((await lead(id)).stage).toBe('nurturing');
      expect((await timeline(id)).filter((e) => e.kind === 'stage_changed')).toEqual([]);
    });

    it('leaves histories that replay against the current workflow code', async () => {
      const failures = await replay(
        (await fetchHistories(client, workflows)).map(({ workflowId, history }) => ({ workflowId, history })),
      );
      expect(failures).toEqual([]);
    });
  });

  describe('POST /v1/leads/:id/owner', () => {
    it('changes the owner of the lead and of its open deal, and records who did it', async () => {
      const id = await hotLead('owned@example.jp');
      const res = await app.inject({
        method: 'POST',
        url: `/v1/leads/${id}/owner`,
        headers: as('marketer'),
        payload: { ownerEmail: 'suzuki@example.com' },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id, ownerEmail: 'suzuki@example.com', previousOwnerEmail: null });
      const view = await lead(id);
      expect(view.profile.ownerEmail).toBe('suzuki@example.com');
      expect(view.deal?.ownerEmail).toBe('suzuki@example.com');
      const entry = (await timeline(id)).find((e) => e.kind === 'owner_changed');
      expect(entry?.detail).toMatchObject({ from: null, to: 'suzuki@example.com', by: expect.any(String) });

      const cleared = await app.inject({
        method: 'POST',
        url: `/v1/leads/${id}/owner`,
        headers: auth,
        payload: { ownerEmail: null },
      });
      expect(cleared.json()).toMatchObject({ ownerEmail: null, previousOwnerEmail: 'suzuki@example.com' });
    });

    it('refuses a bad address, an unknown lead and roles that may not, changing nothing', async () => {
      const id = await createLead('keep-owner@example.jp', { ownerEmail: 'first@example.com' });
      const post = (payload: object, headers = auth, leadId = id) =>
        app.inject({ method: 'POST', url: `/v1/leads/${leadId}/owner`, headers, payload });
      expect((await post({ ownerEmail: 'not an email' })).statusCode).toBe(422);
      expect((await post({})).statusCode).toBe(422);
      expect((await post({ ownerEmail: 'console-x@example.com' }, as('sales'))).statusCode).toBe(403);
      expect((await post({ ownerEmail: 'console-x@example.com' }, as('integration'))).statusCode).toBe(403);
      expect(
        (await post({ ownerEmail: 'console-x@example.com' }, auth, '00000000-0000-4000-8000-000000000000')).statusCode,
      ).toBe(404);
      expect((await post({ ownerEmail: 'console-x@example.com' }, auth, 'not-a-uuid')).statusCode).toBe(404);
      expect((await lead(id)).profile.ownerEmail).toBe('first@example.com');
      expect((await timeline(id)).some((e) => e.kind === 'owner_changed')).toBe(false);
    });
  });

  describe('GET /v1/reports/funnel', () => {
    it('counts leads per stage and, per month, new leads, escalations, wins, losses and reactivations', async () => {
      type Funnel = {
        stages: Record<string, number>;
        months: {
          month: string;
          newLeads: number;
          escalated: number;
          won: number;
          lost: number;
          reactivated: number;
        }[];
      };
      const report = async (): Promise<Funnel> => {
        const res = await app.inject({ method: 'GET', url: '/v1/reports/funnel?months=3', headers: as('marketer') });
        expect(res.statusCode).toBe(200);
        return res.json<Funnel>();
      };
      // Computed from this test's own leads, as differences: the other tests' leads count too.
      const before = await report();
      // One lead made hot (an escalation), one moved into a deal and given up by hand (a loss).
      const hot = await hotLead('funnel-hot@example.jp');
      await waitFor(
        async () =>
          (await pool.query("SELECT 1 FROM escalations WHERE lead_id = $1 AND kind = 'sales'", [hot])).rowCount === 1,
        'the escalation',
      );
      const lost = await createLead('funnel-lost@example.jp');
      expect((await moveStage(lost, { stage: 'deal' })).statusCode).toBe(202);
      await inStage(lost, 'deal');
      expect((await moveStage(lost, { stage: 'nurturing' })).statusCode).toBe(202);
      await inStage(lost, 'nurturing');
      await waitFor(async () => (await timeline(lost)).some((e) => e.kind === 'deal_lost'), 'the loss on the timeline');
      // Last month, as workflows would have written it: the lost lead won and reactivated.
      await pool.query(
        `WITH m AS (SELECT (date_trunc('month', now() AT TIME ZONE 'Asia/Tokyo') - interval '1 month' + interval '10 days') AT TIME ZONE 'Asia/Tokyo' AS at)
         INSERT INTO timeline (lead_id, at, kind, detail) SELECT $1, m.at, 'stage_changed', x.detail::jsonb FROM m,
           (VALUES ('{"from":"deal","to":"customer"}'), ('{"from":"dormant","to":"reactivation"}'), ('{"from":"nurturing","to":"deal"}')) x(detail)`,
        [lost],
      );
      const body = await report();
      const stages = await pool.query<{ stage: string; n: number }>(
        'SELECT stage, count(*)::int AS n FROM leads GROUP BY stage',
      );
      expect(body.stages).toMatchObject(Object.fromEntries(stages.rows.map((r) => [r.stage, r.n])));
      expect(Object.keys(body.stages)).toEqual(['nurturing', 'deal', 'customer', 'dormant', 'reactivation', 'closed']);
      expect(body.months).toHaveLength(3);
      const delta = (i: number) => {
        const [was, is] = [before.months[i]!, body.months[i]!];
        expect(is.month).toBe(was.month);
        return {
          newLeads: is.newLeads - was.newLeads,
          escalated: is.escalated - was.escalated,
          won: is.won - was.won,
          lost: is.lost - was.lost,
          reactivated: is.reactivated - was.reactivated,
        };
      };
      expect(delta(1)).toEqual({ newLeads: 0, escalated: 0, won: 1, lost: 0, reactivated: 1 });
      expect(delta(2)).toEqual({ newLeads: 2, escalated: 1, won: 0, lost: 1, reactivated: 0 });
      expect(body.months[2]?.month).toMatch(/^\d{4}-\d{2}$/);
      expect((await app.inject({ method: 'GET', url: '/v1/reports/funnel?months=0', headers: auth })).statusCode).toBe(
        422,
      );
      expect(
        (await app.inject({ method: 'GET', url: '/v1/reports/funnel?timezone=Nowhere/City', headers: auth }))
          .statusCode,
      ).toBe(422);
      expect((await app.inject({ method: 'GET', url: '/v1/reports/funnel', headers: as('sales') })).statusCode).toBe(
        403,
      );
    });
  });
});
