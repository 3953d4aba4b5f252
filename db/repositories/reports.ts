import { STAGES, type Stage } from '../../domain/lead.ts';
import type { Queryable } from '../pool.ts';

/** How many leads the read model holds in each lifecycle stage (every stage present, 0 when none). */
export async function countLeadsByStage(db: Queryable): Promise<Record<Stage, number>> {
  const result = await db.query<{ stage: Stage; count: number }>(
    'SELECT stage, count(*)::int AS count FROM leads GROUP BY stage',
  );
  const counts = Object.fromEntries(STAGES.map((stage) => [stage, 0])) as Record<Stage, number>;
  for (const row of result.rows) counts[row.stage] = row.count;
  return counts;
}

/** The rep label of a deal nobody owns. Never an email address (it has no `@`), so it cannot collide with one. */
export const UNASSIGNED = 'unassigned';

/** What the pipeline is read as of. */
export interface PipelineOptions {
  /** The instant days stalled are counted to. */
  asOf: Date;
  /** The calendar day (YYYY-MM-DD) expected close dates are compared with: before it is overdue. */
  today: string;
  /** Days without movement from which a deal counts as stalled. */
  stalledAfterDays: number;
  /** Only this rep's deals (an email, compared case-insensitively, or `unassigned`). */
  owner?: string | undefined;
}

/** One open deal as the pipeline report shows it. */
export interface PipelineDeal {
  leadId: string;
  company: string | null;
  name: string | null;
  dealStage: string | null;
  amount: number | null;
  probability: number | null;
  /** YYYY-MM-DD */
  expectedCloseDate: string | null;
  daysStalled: number;
  stalled: boolean;
  overdue: boolean;
}

/** One rep's (or the total's) sums over open deals. */
export interface PipelineSums {
  dealCount: number;
  expectedAmount: number;
  weightedAmount: number;
}

/** One rep's line of the pipeline. */
export interface PipelineRep extends PipelineSums {
  owner: string;
  /** YYYY-MM-DD: the earliest expected close date of the rep's open deals, overdue ones included. */
  nextCloseDate: string | null;
  overdueCount: number;
  maxDaysStalled: number;
  deals: PipelineDeal[];
}

// The deal's owner: the deal owner the CRM reported, else the lead's owner; blank counts
// as none. Lowercased, so "Sato@example.jp" and "sato@example.jp" are one rep.
const OWNER = `COALESCE(lower(COALESCE(NULLIF(btrim(deal_owner_email), ''), NULLIF(btrim(owner_email), ''))), '${UNASSIGNED}')`;

/**
 * One statement, so the deals and the sums come from one snapshot. $1 = owner filter
 * (NULL: every rep), $2 = as of, $3 = today.
 *
 * - Open deals only: the lead is in the `deal` stage and its deal is `open` (a won deal is
 *   a customer, a lost one goes back to nurturing; both conditions, so a deal status left
 *   on a lead in another stage is not counted).
 * - Days stalled: whole 24-hour days from the last movement (else from entering the deal
 *   stage) to $2, as the deal-stalled alert counts them; never negative.
 * - A deal without an amount adds nothing to the sums, one without a probability nothing
 *   to the weighted sum. Sums are exact numerics, rounded once to 2 decimals.
 * - Rows come grouped by rep (highest weighted amount first, then expected amount; the
 *   unassigned line after reps that tie with it) and, within a rep, by expected close date
 *   (soonest first, undated last, then the larger amount).
 */
const PIPELINE_SQL = `
  WITH d AS (
    SELECT id, company, name, deal_stage, deal_amount, deal_probability, deal_expected_close,
           ${OWNER} AS owner,
           GREATEST(0, floor(extract(epoch FROM ($2::timestamptz - COALESCE(deal_last_moved_at, stage_entered_at))) / 86400))::int AS days_stalled,
           COALESCE(deal_expected_close < $3::date, false) AS overdue,
           deal_amount * deal_probability / 100 AS weighted
      FROM leads
     WHERE stage = 'deal' AND deal_status = 'open'
  )
  SELECT id, company, name, deal_stage, deal_amount::text, deal_probability::text,
         to_char(deal_expected_close, 'YYYY-MM-DD') AS expected_close_date, owner, days_stalled, overdue,
         count(*) OVER rep AS rep_deal_count,
         COALESCE(sum(deal_amount) OVER rep, 0)::text AS rep_expected_amount,
         round(COALESCE(sum(weighted) OVER rep, 0), 2)::text AS rep_weighted_amount,
         to_char(min(deal_expected_close) OVER rep, 'YYYY-MM-DD') AS rep_next_close_date,
         count(*) FILTER (WHERE overdue) OVER rep AS rep_overdue_count,
         max(days_stalled) OVER rep AS rep_max_days_stalled,
         count(*) OVER () AS total_deal_count,
         COALESCE(sum(deal_amount) OVER (), 0)::text AS total_expected_amount,
         round(COALESCE(sum(weighted) OVER (), 0), 2)::text AS total_weighted_amount,
         COALESCE(sum(weighted) OVER rep, 0) AS rep_weighted_exact,
         COALESCE(sum(deal_amount) OVER rep, 0) AS rep_expected_exact
    FROM d
   WHERE $1::text IS NULL OR owner = lower($1::text)
  WINDOW rep AS (PARTITION BY owner)
   ORDER BY rep_weighted_exact DESC, rep_expected_exact DESC, owner = '${UNASSIGNED}', owner,
            deal_expected_close ASC NULLS LAST, deal_amount DESC NULLS LAST, id`;

interface PipelineRow {
  id: string;
  company: string | null;
  name: string | null;
  deal_stage: string | null;
  deal_amount: string | null;
  deal_probability: string | null;
  expected_close_date: string | null;
  owner: string;
  days_stalled: number;
  overdue: boolean;
  // count(*) is bigint: text from pg.
  rep_deal_count: string;
  rep_expected_amount: string;
  rep_weighted_amount: string;
  rep_next_close_date: string | null;
  rep_overdue_count: string;
  rep_max_days_stalled: number;
  total_deal_count: string;
  total_expected_amount: string;
  total_weighted_amount: string;
}

const numberOrNull = (text: string | null): number | null => (text === null ? null : Number(text));

/**
 * Open deals per rep with their sums, and the totals over every rep shown (after the
 * owner filter). Amounts are numbers: pg returns `numeric` as text, converted here.
 */
export async function pipelineByRep(
  db: Queryable,
  options: PipelineOptions,
): Promise<{ reps: PipelineRep[]; totals: PipelineSums }> {
  const { rows } = await db.query<PipelineRow>(PIPELINE_SQL, [options.owner ?? null, options.asOf, options.today]);
  const reps: PipelineRep[] = [];
  let current: PipelineRep | undefined;
  for (const row of rows) {
    if (current?.owner !== row.owner) {
      current = {
        owner: row.owner,
        dealCount: Number(row.rep_deal_count),
        expectedAmount: Number(row.rep_expected_amount),
        weightedAmount: Number(row.rep_weighted_amount),
        nextCloseDate: row.rep_next_close_date,
        overdueCount: Number(row.rep_overdue_count),
        maxDaysStalled: row.rep_max_days_stalled,
        deals: [],
      };
      reps.push(current);
    }
    current.deals.push({
      leadId: row.id,
      company: row.company,
      name: row.name,
      dealStage: row.deal_stage,
      amount: numberOrNull(row.deal_amount),
      probability: numberOrNull(row.deal_probability),
      expectedCloseDate: row.expected_close_date,
      daysStalled: row.days_stalled,
      stalled: row.days_stalled >= options.stalledAfterDays,
      overdue: row.overdue,
    });
  }
  const first = rows[0];
  const totals: PipelineSums = first
    ? {
        dealCount: Number(first.total_deal_count),
        expectedAmount: Number(first.total_expected_amount),
        weightedAmount: Number(first.total_weighted_amount),
      }
    : { dealCount: 0, expectedAmount: 0, weightedAmount: 0 };
  return { reps, totals };
}

/** One month of the funnel: what entered or left each step of the lifecycle in it. */
export interface FunnelMonth {
  /** YYYY-MM, in the report's time zone. */
  month: string;
  newLeads: number;
  escalated: number;
  won: number;
  lost: number;
  reactivated: number;
}

/**
 * The last `months` calendar months in `timeZone` (this one included, oldest first), each
 * counted from the read model: leads created, hot leads handed to sales (sales
 * escalations; upsell ones are not a funnel step), deals won (a move to `customer`),
 * deals lost (`deal_lost` entries, the CRM's and those given up by hand) and reactivations
 * (a move to `reactivation`). Months with nothing are there with zeros.
 */
export async function funnelByMonth(
  db: Queryable,
  options: { months: number; timeZone: string },
): Promise<FunnelMonth[]> {
  const result = await db.query<FunnelMonth>(
    `WITH bounds AS (
       SELECT date_trunc('month', now() AT TIME ZONE $2) - ($1::int - 1) * interval '1 month' AS first_local
     ), since AS (
       SELECT first_local, first_local AT TIME ZONE $2 AS first_at FROM bounds
     ), months AS (
       SELECT to_char(m, 'YYYY-MM') AS month
         FROM since, generate_series(since.first_local, date_trunc('month', now() AT TIME ZONE $2), interval '1 month') m
     ), facts AS (
       SELECT to_char(created_at AT TIME ZONE $2, 'YYYY-MM') AS month, 'new' AS what FROM leads, since WHERE created_at >= since.first_at
       UNION ALL
       SELECT to_char(created_at AT TIME ZONE $2, 'YYYY-MM'), 'escalated' FROM escalations, since WHERE kind = 'sales' AND created_at >= since.first_at
       UNION ALL
       SELECT to_char(at AT TIME ZONE $2, 'YYYY-MM'),
              CASE WHEN kind = 'deal_lost' THEN 'lost' WHEN detail->>'to' = 'customer' THEN 'won' ELSE 'reactivated' END
         FROM timeline, since
        WHERE at >= since.first_at
          AND (kind = 'deal_lost' OR (kind = 'stage_changed' AND detail->>'to' IN ('customer', 'reactivation')))
     )
     SELECT months.month,
            count(what) FILTER (WHERE what = 'new')::int AS "newLeads",
            count(what) FILTER (WHERE what = 'escalated')::int AS escalated,
            count(what) FILTER (WHERE what = 'won')::int AS won,
            count(what) FILTER (WHERE what = 'lost')::int AS lost,
            count(what) FILTER (WHERE what = 'reactivated')::int AS reactivated
       FROM months LEFT JOIN facts ON facts.month = months.month
      GROUP BY months.month ORDER BY months.month`,
    [options.months, options.timeZone],
  );
  return result.rows;
}
