import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestServices } from '../support/services.ts';
import type { PipelineRep, PipelineSums } from '../../db/repositories/reports.ts';

/** The instant the pipeline is read as of: 2025-07-01 01:00 in Tokyo, still 2025-06-30 in UTC. */
const AS_OF = '2025-06-30T16:00:00.000Z';
const DAY_MS = 86_400_000;
/** `days` (fractional allowed) before AS_OF, as an ISO instant. */
const daysBefore = (days: number): string => new Date(Date.parse(AS_OF) - days * DAY_MS).toISOString();

interface LeadRow {
  email: string;
  stage: string;
  company?: string;
  name?: string;
  owner_email?: string | null;
  stage_entered_at?: string;
  deal_status?: 'open' | 'won' | 'lost';
  deal_stage?: string;
  deal_amount?: string | null;
  deal_probability?: string | null;
  deal_expected_close?: string | null;
  deal_owner_email?: string | null;
  deal_last_moved_at?: string | null;
}

/** Inserts a lead row as the read model would hold it; answers its id. */
async function insertLead(pool: pg.Pool, row: LeadRow): Promise<string> {
  const columns = Object.keys(row);
  const result = await pool.query<{ id: string }>(
    `INSERT INTO leads (cadence_key, ${columns.join(', ')}) VALUES ('default', ${columns.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
    Object.values(row),
  );
  return result.rows[0]!.id;
}

// The answer's shape, as the repository types it (dates as strings in JSON).
type Pipeline = { reps: PipelineRep[]; totals: PipelineSums };

describe('reports: lead capacity (リード作成) and the per-rep pipeline (商談管理)', () => {
  let pool: pg.Pool;
  let app: FastifyInstance;
  const stops: (() => Promise<void>)[] = [];
  const ids: Record<string, string> = {};

  const get = (url: string, headers: Record<string, string> = auth) => app.inject({ method: 'GET', url, headers });

  beforeAll(async () => {
    const services = await startTestServices({ worker: false });
    ({ pool, app } = services);
    stops.push(services.stop);

    const deal = (row: Omit<LeadRow, 'stage' | 'deal_status'> & { deal_status?: LeadRow['deal_status'] }): LeadRow => ({
      stage: 'deal',
      deal_status: 'open',
      ...row,
    });
    // 佐藤: three open deals, the owner spelled in two cases by the CRM.
    ids.satoOverdue = await insertLead(
      pool,
      deal({
        email: 'a@kaisha-a.jp',
        company: '株式会社A',
        name: '青木',
        deal_stage: '提案',
        deal_amount: '1000000',
        deal_probability: '50',
        deal_expected_close: '2025-06-20',
        deal_owner_email: 'sato@example.jp',
        deal_last_moved_at: daysBefore(30),
      }),
    );
    ids.satoNext = await insertLead(
      pool,
      deal({
        email: 'b@kaisha-b.jp',
        company: '株式会社B',
        name: '馬場',
        deal_stage: '見積',
        deal_amount: '2000000',
        deal_probability: '70',
        deal_expected_close: '2025-07-15',
        deal_owner_email: 'Sato@Example.jp',
        owner_email: 'someone-else@example.jp',
        deal_last_moved_at: daysBefore(7),
      }),
    );
    // Never moved since it became a deal exactly 14 days ago: stalled from the lead's stage entry.
    ids.satoUndated = await insertLead(
      pool,
      deal({
        email: 'c@kaisha-c.jp',
        company: '株式会社C',
        deal_stage: 'ヒアリング',
        deal_amount: null,
        deal_probability: '20',
        deal_owner_email: 'sato@example.jp',
        deal_last_moved_at: null,
        stage_entered_at: daysBefore(14),
      }),
    );
    // 鈴木: owner only on the lead; one deal closes on 2025-06-30 (overdue in Tokyo, not yet in UTC), one without a probability.
    ids.suzukiNoProbability = await insertLead(
      pool,
      deal({
        email: 'd@kaisha-d.jp',
        company: '株式会社D',
        deal_stage: '交渉',
        deal_amount: '5000000',
        deal_probability: null,
        deal_expected_close: '2025-06-30',
        owner_email: 'suzuki@example.jp',
        deal_last_moved_at: daysBefore(20),
      }),
    );
    ids.suzukiCents = await insertLead(
      pool,
      deal({
        email: 'e@kaisha-e.jp',
        company: '株式会社E',
        deal_stage: '提案',
        deal_amount: '1234567.89',
        deal_probability: '12.5',
        deal_expected_close: '2025-08-01',
        owner_email: 'suzuki@example.jp',
        deal_last_moved_at: daysBefore(13.9),
      }),
    );
    // Nobody's: no owner at all, and a blank deal owner.
    ids.unassignedDated = await insertLead(
      pool,
      deal({
        email: 'f@kaisha-f.jp',
        company: '株式会社F',
        deal_amount: '800000',
        deal_probability: '25',
        deal_expected_close: '2025-07-10',
        deal_last_moved_at: daysBefore(1),
      }),
    );
    ids.unassignedBlank = await insertLead(
      pool,
      deal({
        email: 'g@kaisha-g.jp',
        company: '株式会社G',
        deal_amount: '400000',
        deal_probability: '50',
        deal_owner_email: '',
        deal_last_moved_at: daysBefore(2),
      }),
    );
    // 加藤: a deal at 0 %; 伊藤: a deal with nothing known, last moved after AS_OF (and 20 days before the real now).
    ids.kato = await insertLead(
      pool,
      deal({
        email: 'h@kaisha-h.jp',
        company: '株式会社H',
        deal_amount: '100000',
        deal_probability: '0',
        deal_expected_close: '2025-09-30',
        deal_owner_email: 'kato@example.jp',
        deal_last_moved_at: daysBefore(3),
      }),
    );
    ids.ito = await insertLead(
      pool,
      deal({
        email: 'i@kaisha-i.jp',
        company: '株式会社I',
        deal_owner_email: 'ito@example.jp',
        deal_last_moved_at: new Date(Date.now() - 20 * DAY_MS - 3_600_000).toISOString(),
      }),
    );
    // Not open deals, whatever their owner: won, lost, and status and stage out of step.
    await insertLead(pool, {
      email: 'won@kaisha-x.jp',
      stage: 'customer',
      deal_status: 'won',
      deal_amount: '9000000',
      deal_probability: '100',
      deal_owner_email: 'tanaka@example.jp',
    });
    await insertLead(pool, {
      email: 'lost@kaisha-x.jp',
      stage: 'nurturing',
      deal_status: 'lost',
      deal_amount: '9000000',
      deal_probability: '10',
      deal_owner_email: 'tanaka@example.jp',
    });
    await insertLead(pool, {
      email: 'won-in-deal@kaisha-x.jp',
      stage: 'deal',
      deal_status: 'won',
      deal_amount: '9000000',
      deal_probability: '100',
      deal_owner_email: 'tanaka@example.jp',
    });
    await insertLead(pool, {
      email: 'stale-open@kaisha-x.jp',
      stage: 'nurturing',
      deal_status: 'open',
      deal_amount: '9000000',
      deal_probability: '90',
      deal_owner_email: 'tanaka@example.jp',
    });
    // The rest of the list: 25 more nurturing leads, and leads in the other stages.
    await pool.query(
      `INSERT INTO leads (email, cadence_key, stage) SELECT 'n' || i || '@list.example.jp', 'default', 'nurturing' FROM generate_series(1, 25) AS i`,
    );
    for (const [i, stage] of ['dormant', 'reactivation', 'reactivation', 'closed'].entries())
      await insertLead(pool, { email: `other${i}@list.example.jp`, stage });
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  describe('GET /v1/reports/pipeline', () => {
    it('answers per rep: deal count, expected and weighted amounts, next close date, overdue deals and days stalled', async () => {
      const response = await get(`/v1/reports/pipeline?asOf=${AS_OF}`);
      expect(response.statusCode).toBe(200);
      const body = response.json<Pipeline & { today: string; timezone: string }>();
      expect(body).toMatchObject({ asOf: AS_OF, today: '2025-07-01', timezone: 'Asia/Tokyo', stalledAfterDays: 14 });

      // Highest weighted amount first; the unassigned line is a line like any other.
      expect(body.reps.map((r) => [r.owner, r.dealCount, r.expectedAmount, r.weightedAmount])).toEqual([
        ['sato@example.jp', 3, 3_000_000, 1_900_000],
        ['unassigned', 2, 1_200_000, 400_000],
        // 1,234,567.89 x 12.5 % = 154,320.98625; the deal without a probability weighs nothing.
        ['suzuki@example.jp', 2, 6_234_567.89, 154_320.99],
        ['kato@example.jp', 1, 100_000, 0],
        ['ito@example.jp', 1, 0, 0],
      ]);
      expect(body.totals).toEqual({ dealCount: 9, expectedAmount: 10_534_567.89, weightedAmount: 2_454_320.99 });

      const [sato, unassigned, suzuki, kato, ito] = body.reps;
      expect(sato).toMatchObject({ nextCloseDate: '2025-06-20', overdueCount: 1, maxDaysStalled: 30 });
      // Soonest close first, the undated deal last.
      expect(sato!.deals).toEqual([
        {
          leadId: ids.satoOverdue,
          company: '株式会社A',
          name: '青木',
          dealStage: '提案',
          amount: 1_000_000,
          probability: 50,
          expectedCloseDate: '2025-06-20',
          daysStalled: 30,
          stalled: true,
          overdue: true,
        },
        {
          leadId: ids.satoNext,
          company: '株式会社B',
          name: '馬場',
          dealStage: '見積',
          amount: 2_000_000,
          probability: 70,
          expectedCloseDate: '2025-07-15',
          daysStalled: 7,
          stalled: false,
          overdue: false,
        },
        {
          leadId: ids.satoUndated,
          company: '株式会社C',
          name: null,
          dealStage: 'ヒアリング',
          amount: null,
          probability: 20,
          expectedCloseDate: null,
          daysStalled: 14,
          stalled: true,
          overdue: false,
        },
      ]);

      expect(unassigned).toMatchObject({ nextCloseDate: '2025-07-10', overdueCount: 0, maxDaysStalled: 2 });
      expect(unassigned!.deals.map((d) => [d.leadId, d.daysStalled])).toEqual([
        [ids.unassignedDated, 1],
        [ids.unassignedBlank, 2],
      ]);

      // Closing on 2025-06-30 is overdue on 2025-07-01 in Tokyo; 13.9 days is not yet 14.
      expect(suzuki).toMatchObject({ nextCloseDate: '2025-06-30', overdueCount: 1, maxDaysStalled: 20 });
      expect(suzuki!.deals.map((d) => [d.leadId, d.amount, d.probability, d.daysStalled, d.stalled])).toEqual([
        [ids.suzukiNoProbability, 5_000_000, null, 20, true],
        [ids.suzukiCents, 1_234_567.89, 12.5, 13, false],
      ]);

      expect(kato).toMatchObject({ nextCloseDate: '2025-09-30', overdueCount: 0, maxDaysStalled: 3 });
      // Moved after the report's instant: never negative.
      expect(ito).toMatchObject({ nextCloseDate: null, overdueCount: 0, maxDaysStalled: 0 });
      expect(ito!.deals).toEqual([
        {
          leadId: ids.ito,
          company: '株式会社I',
          name: null,
          dealStage: null,
          amount: null,
          probability: null,
          expectedCloseDate: null,
          daysStalled: 0,
          stalled: false,
          overdue: false,
        },
      ]);

      // Won, lost and out-of-step deals are nobody's pipeline.
      expect(JSON.stringify(body)).not.toContain('tanaka');
    });

    it('reads "overdue" in the calendar of ?timezone=', async () => {
      const body = (await get(`/v1/reports/pipeline?asOf=${AS_OF}&timezone=UTC`)).json<Pipeline & { today: string }>();
      expect(body.today).toBe('2025-06-30');
      expect(body.reps.find((r) => r.owner === 'suzuki@example.jp')).toMatchObject({ overdueCount: 0 });
      expect(body.reps.find((r) => r.owner === 'sato@example.jp')).toMatchObject({ overdueCount: 1 });
    });

    it('counts days stalled to now without ?asOf=', async () => {
      const before = Date.now();
      const body = (await get('/v1/reports/pipeline?owner=ito@example.jp')).json<Pipeline & { asOf: string }>();
      expect(Date.parse(body.asOf)).toBeGreaterThanOrEqual(before - 1000);
      expect(body.reps).toHaveLength(1);
      expect(body.reps[0]!.deals[0]).toMatchObject({ leadId: ids.ito, daysStalled: 20, stalled: true });
    });

    it('keeps one rep with ?owner=, whatever its case, or the unassigned deals; totals are over what is shown', async () => {
      const sato = (await get(`/v1/reports/pipeline?asOf=${AS_OF}&owner=SATO@example.jp`)).json<Pipeline>();
      expect(sato.reps.map((r) => r.owner)).toEqual(['sato@example.jp']);
      expect(sato.reps[0]!.deals).toHaveLength(3);
      expect(sato.totals).toEqual({ dealCount: 3, expectedAmount: 3_000_000, weightedAmount: 1_900_000 });

      const unassigned = (await get(`/v1/reports/pipeline?asOf=${AS_OF}&owner=unassigned`)).json<Pipeline>();
      expect(unassigned.reps.map((r) => [r.owner, r.dealCount])).toEqual([['unassigned', 2]]);

      const nobody = (await get(`/v1/reports/pipeline?asOf=${AS_OF}&owner=tanaka@example.jp`)).json<Pipeline>();
      expect(nobody).toMatchObject({ reps: [], totals: { dealCount: 0, expectedAmount: 0, weightedAmount: 0 } });
    });

    it('refuses a date-time without an offset and an unknown time zone with 422 naming the parameter', async () => {
      for (const [query, path] of [
        ['asOf=2025-06-30', 'querystring:/asOf'],
        ['asOf=yesterday', 'querystring:/asOf'],
        ['timezone=Mars/Olympus_Mons', 'querystring:/timezone'],
      ] as const) {
        const response = await get(`/v1/reports/pipeline?${query}`);
        expect(response.statusCode, query).toBe(422);
        expect(response.json(), query).toMatchObject({
          error: { code: 'invalid', details: [expect.objectContaining({ path })] },
        });
      }
    });
  });

  describe('GET /v1/reports/capacity', () => {
    it('compares leads required (daily activities x 20 business days x reps) with the leads in nurturing', async () => {
      const response = await get('/v1/reports/capacity?dailyActivities=3&reps=2');
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        dailyActivities: 3,
        reps: 2,
        businessDaysPerMonth: 20,
        requiredLeadsPerMonth: 120,
        leadsInNurturing: 27,
        leadsHeld: { nurturing: 27, reactivation: 2, deal: 10, customer: 1, dormant: 1, closed: 1 },
        short: true,
        shortfall: 93,
      });
    });

    it('is not short when nurturing holds at least the requirement', async () => {
      const body = (await get('/v1/reports/capacity?dailyActivities=1&reps=1')).json();
      expect(body).toMatchObject({ requiredLeadsPerMonth: 20, leadsInNurturing: 27, short: false, shortfall: 0 });
    });

    it('refuses missing, zero and non-numeric parameters with 422 naming the parameter', async () => {
      for (const [query, name] of [
        ['dailyActivities=0&reps=2', 'dailyActivities'],
        ['dailyActivities=3&reps=abc', 'reps'],
        ['dailyActivities=2.5&reps=2', 'dailyActivities'],
        ['dailyActivities=3', 'reps'],
        ['reps=2', 'dailyActivities'],
        ['', 'dailyActivities'],
      ] as const) {
        const response = await get(`/v1/reports/capacity?${query}`);
        expect(response.statusCode, query).toBe(422);
        const body = response.json<{ error: { code: string; details: { path: string; message: string }[] } }>();
        expect(body.error.code, query).toBe('invalid');
        // Fastify names a bad value in the path, a missing one in the message.
        expect(
          body.error.details.some(
            (d) => d.path === `querystring:/${name}` || (d.path === 'querystring:/' && d.message.includes(`'${name}'`)),
          ),
          JSON.stringify(body),
        ).toBe(true);
      }
    });
  });

  it('asks for an API key', async () => {
    for (const url of ['/v1/reports/capacity?dailyActivities=1&reps=1', '/v1/reports/pipeline']) {
      const response = await get(url, {});
      expect(response.statusCode, url).toBe(401);
      expect(response.json(), url).toMatchObject({ error: { code: 'unauthorized' } });
    }
  });
});
