import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import { isTimeZone } from '../../domain/cadence.ts';
import { DOCUMENTED_TIME_ZONE } from '../../domain/time-zones.ts';
import { countLeadsByStage, funnelByMonth, pipelineByRep } from '../../db/repositories/reports.ts';
import { countContactHealth } from '../../db/repositories/contact-health.ts';
import type { AppDependencies } from '../dependencies.ts';
import { unprocessable } from '../http-errors.ts';
import { Instant, Nullable } from '../schemas.ts';

/** The seed's month: "1日の営業活動数×20営業日×営業人員数". */
export const BUSINESS_DAYS_PER_MONTH = 20;

/**
 * Days without movement from which the pipeline marks a deal stalled: the default cadence's
 * `deal.stalledAfter` (P14D). Simplification: a lead's own cadence may set another
 * `stalledAfter` (and the stalled alert honours it); the report uses this one figure for
 * every deal, so that "stalled" means the same thing across a manager's whole pipeline.
 */
export const STALLED_AFTER_DAYS = 14;

/** The calendar the pipeline's "today" is read in, unless `?timezone=` says otherwise (the leads' default). */
export const DEFAULT_REPORT_TIMEZONE = 'Asia/Tokyo';

const CapacityQuery = Type.Object({
  dailyActivities: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    description: 'sales activities (calls, visits, emails) one rep does per business day',
  }),
  reps: Type.Integer({ minimum: 1, maximum: 100_000, description: 'number of sales reps' }),
});

const PipelineQuery = Type.Object({
  owner: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 254,
      description: "only this rep's deals (email, any case), or `unassigned`",
    }),
  ),
  asOf: Type.Optional(
    Type.String({
      format: 'date-time',
      description: 'the instant to count days stalled to (ISO 8601 with offset); default now',
    }),
  ),
  timezone: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      ...DOCUMENTED_TIME_ZONE,
      description: `IANA time zone whose calendar day decides "overdue"; default ${DEFAULT_REPORT_TIMEZONE}`,
    }),
  ),
});

const ContactHealthQuery = Type.Object(
  {
    timezone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        ...DOCUMENTED_TIME_ZONE,
        description:
          "IANA time zone whose calendar month is counted; default each lead's own zone (as the contact guarantee counts)",
      }),
    ),
    asOf: Type.Optional(
      Type.String({
        format: 'date-time',
        description: 'the instant whose month is counted (ISO 8601 with offset); default now',
      }),
    ),
  },
  { additionalProperties: false },
);

const ContactHealthReportSchema = Type.Object({
  asOf: Instant(),
  timezone: Nullable(Type.String({ description: "the zone months were counted in; null: each lead's own" })),
  contactable: Type.Integer({
    description:
      'leads in nurturing, customer or reactivation, not do-not-contact, reached by email or (address suppressed) by paper mail',
  }),
  touched: Type.Integer({
    description:
      'contactable leads a touch reached this calendar month (an email accepted, a DM to an address, a completed task)',
  }),
  atRisk: Type.Integer({
    description: 'contactable leads not touched this month with no touch planned before it ends',
  }),
});

/** GET /v1/reports/contact-health. */
export type ContactHealthReport = Static<typeof ContactHealthReportSchema>;

const FunnelQuery = Type.Object(
  {
    months: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 60, description: 'how many calendar months, this one included; default 6' }),
    ),
    timezone: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        ...DOCUMENTED_TIME_ZONE,
        description: `IANA time zone whose calendar months are counted; default ${DEFAULT_REPORT_TIMEZONE}`,
      }),
    ),
  },
  { additionalProperties: false },
);

const StageCounts = Type.Record(Type.String(), Type.Integer(), { description: 'leads per stage, every stage named' });

/** `GET /v1/reports/capacity`. */
export const CapacityReportSchema = Type.Object({
  dailyActivities: Type.Integer(),
  reps: Type.Integer(),
  businessDaysPerMonth: Type.Integer(),
  requiredLeadsPerMonth: Type.Integer(),
  leadsInNurturing: Type.Integer(),
  leadsHeld: StageCounts,
  short: Type.Boolean(),
  shortfall: Type.Integer(),
});

const Sums = { dealCount: Type.Integer(), expectedAmount: Type.Number(), weightedAmount: Type.Number() };

/** `GET /v1/reports/pipeline`. */
export const PipelineReportSchema = Type.Object({
  asOf: Instant(),
  today: Type.String({ format: 'date' }),
  timezone: Type.String(),
  stalledAfterDays: Type.Integer(),
  reps: Type.Array(
    Type.Object({
      owner: Type.String({ description: 'the rep (lowercased email), or `unassigned`' }),
      ...Sums,
      nextCloseDate: Nullable(Type.String({ format: 'date' })),
      overdueCount: Type.Integer(),
      maxDaysStalled: Type.Integer(),
      deals: Type.Array(
        Type.Object({
          leadId: Type.String(),
          company: Nullable(Type.String()),
          name: Nullable(Type.String()),
          dealStage: Nullable(Type.String()),
          amount: Nullable(Type.Number()),
          probability: Nullable(Type.Number()),
          expectedCloseDate: Nullable(Type.String({ format: 'date' })),
          daysStalled: Type.Integer(),
          stalled: Type.Boolean(),
          overdue: Type.Boolean(),
        }),
      ),
    }),
  ),
  totals: Type.Object(Sums),
});

/** `GET /v1/reports/funnel`. */
export const FunnelReportSchema = Type.Object({
  timezone: Type.String(),
  stages: StageCounts,
  months: Type.Array(
    Type.Object({
      month: Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$' }),
      newLeads: Type.Integer(),
      escalated: Type.Integer(),
      won: Type.Integer(),
      lost: Type.Integer(),
      reactivated: Type.Integer(),
    }),
  ),
});

/** `GET /v1/reports/capacity`, as the console reads it. */
export type CapacityReport = Static<typeof CapacityReportSchema>;
/** `GET /v1/reports/pipeline`, as the console reads it. */
export type PipelineReport = Static<typeof PipelineReportSchema>;
/** `GET /v1/reports/funnel`, as the console reads it. */
export type FunnelReport = Static<typeof FunnelReportSchema>;

const badTimezone = (timezone: string) =>
  unprocessable('the request does not match the expected shape', [
    { path: 'querystring:/timezone', message: `"${timezone}" is not an IANA time zone` },
  ]);

/** The calendar day (YYYY-MM-DD) of `at` in `timeZone`. */
function calendarDay(at: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  // Four digits whatever the year, as ISO 8601 writes it (Intl writes the year 250 as "250").
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
}

/** `GET /v1/reports/capacity`, `/pipeline` and `/funnel`: the sales manager's numbers pages. */
export const reportRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  /**
   * Lead creation capacity (リード作成): does the team hold enough leads to keep its reps busy?
   *
   * The seed sizes the list for a team that approaches every lead once a month:
   * required leads per month = daily sales activities per rep x 20 business days x reps.
   * The leads that are approached once a month are the ones in nurturing (リード育成:
   * "月に一回顧客に何らかアプローチをする"), so `leadsInNurturing` is the pool compared
   * with the requirement. Deals are already in sales' hands, customers are worked by the
   * upsell steps, dormant and closed leads are not approached, and reactivation targets
   * are a separate, smaller pool (their own steps and timing): all are shown in
   * `leadsHeld` but not counted as supply. Paused nurturing leads still count: pausing is
   * temporary and they stay on the list.
   */
  app.get(
    '/v1/reports/capacity',
    { schema: { querystring: CapacityQuery, response: { 200: CapacityReportSchema } } },
    async (request) => {
      const { dailyActivities, reps } = request.query;
      const requiredLeadsPerMonth = dailyActivities * BUSINESS_DAYS_PER_MONTH * reps;
      const leadsHeld = await countLeadsByStage(db);
      const leadsInNurturing = leadsHeld.nurturing;
      return {
        dailyActivities,
        reps,
        businessDaysPerMonth: BUSINESS_DAYS_PER_MONTH,
        requiredLeadsPerMonth,
        leadsInNurturing,
        leadsHeld,
        short: leadsInNurturing < requiredLeadsPerMonth,
        shortfall: Math.max(0, requiredLeadsPerMonth - leadsInNurturing),
      };
    },
  );

  /**
   * Deal management (商談管理): per rep, the open deals with their count, expected amount,
   * weighted amount (amount x probability / 100), earliest expected close date, overdue
   * deals and days stalled, so nothing falls through the cracks.
   *
   * - A rep is the deal's owner as the CRM reported it, else the lead's owner, lowercased;
   *   deals with neither are shown under `unassigned`.
   * - Open deals: the lead is in the `deal` stage and its deal status is `open`.
   * - `daysStalled`: whole 24-hour days since the deal last moved (else since the lead
   *   entered the deal stage), counted to `?asOf=` (an ISO 8601 date-time with offset, for
   *   reproducible reports) or to now; `stalled` from {@link STALLED_AFTER_DAYS} days on.
   * - Overdue: the expected close date is before today's date in `?timezone=` (default
   *   Asia/Tokyo), today being the day of `asOf`.
   * - Reps by weighted amount, highest first; deals by expected close date, soonest
   *   first, undated last. `?owner=` keeps one rep; totals are over the reps shown.
   */
  app.get(
    '/v1/reports/pipeline',
    { schema: { querystring: PipelineQuery, response: { 200: PipelineReportSchema } } },
    async (request) => {
      const { owner, asOf: asOfText, timezone = DEFAULT_REPORT_TIMEZONE } = request.query;
      if (!isTimeZone(timezone)) throw badTimezone(timezone);
      const asOf = asOfText === undefined ? new Date() : new Date(asOfText);
      if (Number.isNaN(asOf.getTime())) {
        throw unprocessable('the request does not match the expected shape', [
          { path: 'querystring:/asOf', message: `"${asOfText}" is not a date-time` },
        ]);
      }
      const today = calendarDay(asOf, timezone);
      const { reps, totals } = await pipelineByRep(db, {
        asOf,
        today,
        stalledAfterDays: STALLED_AFTER_DAYS,
        owner: owner?.trim(),
      });
      return { asOf: asOf.toISOString(), today, timezone, stalledAfterDays: STALLED_AFTER_DAYS, reps, totals };
    },
  );

  /**
   * The funnel (dashboard): leads held per stage now, and per calendar month (in
   * `?timezone=`, default Asia/Tokyo) the new leads, escalations to sales, deals won and
   * lost, and reactivations, from the read model (see funnelByMonth).
   */
  /**
   * Contact health (dashboard): how many leads may be contacted, how many a touch reached
   * this calendar month, and how many are at risk of a month without one (not touched, and
   * `next_touch_at` not before the month ends). `GET /v1/leads?contact=` lists each group.
   */
  app.get(
    '/v1/reports/contact-health',
    { schema: { querystring: ContactHealthQuery, response: { 200: ContactHealthReportSchema } } },
    async (request) => {
      const { timezone, asOf: asOfText } = request.query;
      if (timezone !== undefined && !isTimeZone(timezone)) throw badTimezone(timezone);
      const asOf = asOfText === undefined ? new Date() : new Date(asOfText);
      if (Number.isNaN(asOf.getTime())) {
        throw unprocessable('the request does not match the expected shape', [
          { path: 'querystring:/asOf', message: `"${asOfText}" is not a date-time` },
        ]);
      }
      const counts = await countContactHealth(db, asOf, timezone);
      return {
        asOf: asOf.toISOString(),
        timezone: timezone ?? null,
        contactable: counts.contactable,
        touched: counts.touched,
        atRisk: counts.at_risk,
      };
    },
  );

  app.get(
    '/v1/reports/funnel',
    { schema: { querystring: FunnelQuery, response: { 200: FunnelReportSchema } } },
    async (request) => {
      const { months = 6, timezone = DEFAULT_REPORT_TIMEZONE } = request.query;
      if (!isTimeZone(timezone)) throw badTimezone(timezone);
      const [stages, byMonth] = await Promise.all([
        countLeadsByStage(db),
        funnelByMonth(db, { months, timeZone: timezone }),
      ]);
      return { timezone, stages, months: byMonth };
    },
  );
};
