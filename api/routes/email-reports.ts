import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import Type, { type Static } from 'typebox';
import {
  EMAIL_REPORT_TIMEZONE,
  NO_EMAILS,
  emailSums,
  linkClicks,
  type EmailSums,
  type SendDays,
} from '../../db/repositories/email-stats.ts';
import type { AppDependencies } from '../dependencies.ts';
import { unprocessable } from '../http-errors.ts';
import { Nullable } from '../schemas.ts';

const Day = (description: string) =>
  Type.String({ format: 'date', description: `${description} (YYYY-MM-DD, a send day in ${EMAIL_REPORT_TIMEZONE})` });

/** The period shared by the email reports: emails sent from `from` to `to`, both days included. */
export const SendDaysQuery = {
  from: Type.Optional(Day('the first send day counted; default: the first email')),
  to: Type.Optional(Day('the last send day counted; default: today')),
};

/** The query fields of a report over one cadence (or all) and a period of send days. */
export const cadencePeriodFields = (cadenceDescription: string) => ({
  cadence: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: cadenceDescription })),
  ...SendDaysQuery,
});

const Ratio = (description: string) => Nullable(Type.Number({ minimum: 0, maximum: 1, description }));

/** One row of the email report: a group's counts and rates. */
export const EmailFiguresSchema = Type.Object({
  sent: Type.Integer({ description: 'emails handed to the mail server (refused ones included: they bounced)' }),
  delivered: Type.Integer({ description: 'sent, less hard and soft bounces' }),
  bounced: Type.Object({
    hard: Type.Integer({
      description: 'refused for good: by the SMTP server during the send, or a hard bounce report',
    }),
    soft: Type.Integer({ description: 'a soft bounce report (mailbox full, greylisting given up)' }),
  }),
  opened: Type.Integer({ description: 'emails a person opened (unique; a person clicking counts as opening)' }),
  machineOpened: Type.Integer({
    description: 'emails only machines opened (privacy prefetch, scanners): counted apart, not in opened',
  }),
  clicked: Type.Integer({ description: 'emails in which a person clicked a link (unique)' }),
  machineClicked: Type.Integer({ description: 'emails whose links only machines clicked: counted apart' }),
  unsubscribed: Type.Integer({ description: 'emails whose unsubscribe link was used' }),
  complaints: Type.Integer({ description: 'emails reported as spam (a complaint report)' }),
  rates: Type.Object(
    {
      delivered: Ratio('delivered / sent'),
      opened: Ratio('opened / delivered'),
      clicked: Ratio('clicked / delivered'),
      clickToOpen: Ratio('clicked / opened'),
      bounced: Ratio('(hard + soft) / sent'),
      unsubscribed: Ratio('unsubscribed / delivered'),
      complaints: Ratio('complaints / delivered'),
    },
    { description: 'fractions from 0 to 1, four decimals; null when the denominator is 0' },
  ),
});

/** The figures of one row, from the pre-aggregate's sums. */
export function figuresOf(
  s: Omit<EmailSums, 'template' | 'cadence' | 'stage' | 'step' | 'month'>,
): Static<typeof EmailFiguresSchema> {
  const ratio = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 10_000) / 10_000 : null);
  const delivered = Math.max(0, s.sent - s.bouncedHard - s.bouncedSoft);
  return {
    sent: s.sent,
    delivered,
    bounced: { hard: s.bouncedHard, soft: s.bouncedSoft },
    opened: s.opened,
    machineOpened: s.machineOpened,
    clicked: s.clicked,
    machineClicked: s.machineClicked,
    unsubscribed: s.unsubscribed,
    complaints: s.complained,
    rates: {
      delivered: ratio(delivered, s.sent),
      opened: ratio(s.opened, delivered),
      clicked: ratio(s.clicked, delivered),
      clickToOpen: ratio(s.clicked, s.opened),
      bounced: ratio(s.bouncedHard + s.bouncedSoft, s.sent),
      unsubscribed: ratio(s.unsubscribed, delivered),
      complaints: ratio(s.complained, delivered),
    },
  };
}

const Grouping = Type.Enum(['template', 'step', 'cadence', 'month']);

/** `GET /v1/reports/email`. */
export const EmailReportSchema = Type.Object({
  by: Grouping,
  from: Nullable(Type.String({ format: 'date' })),
  to: Nullable(Type.String({ format: 'date' })),
  timezone: Type.String({ description: 'the calendar send days and months are counted in' }),
  items: Type.Array(
    Type.Object({
      ...EmailFiguresSchema.properties,
      template: Nullable(Type.String({ description: 'by=template: the template sent (an A/B variant is its own)' })),
      cadence: Nullable(Type.String({ description: 'by=step and by=cadence; null: emails outside a cadence step' })),
      stage: Nullable(Type.String({ description: 'by=step: nurturing, customer or reactivation' })),
      step: Nullable(Type.Integer({ description: "by=step: the step's index; null: the monthly guarantee touch" })),
      month: Nullable(Type.String({ pattern: '^[0-9]{4}-[0-9]{2}$', description: 'by=month' })),
    }),
  ),
  totals: EmailFiguresSchema,
});

/** `GET /v1/reports/email`, as the console reads it. */
export type EmailReport = Static<typeof EmailReportSchema>;

/** `GET /v1/reports/email/links`. */
export const LinkReportSchema = Type.Object({
  template: Type.String(),
  from: Nullable(Type.String({ format: 'date' })),
  to: Nullable(Type.String({ format: 'date' })),
  items: Type.Array(
    Type.Object({
      url: Type.String({ description: 'the link as the template had it' }),
      clicked: Type.Integer({ description: 'emails in which a person clicked it (unique)' }),
      clicks: Type.Integer({ description: "a person's clicks, repeats included" }),
      machineClicked: Type.Integer({ description: 'emails in which only machines clicked it' }),
    }),
    { description: 'most clicked first, at most 500 links' },
  ),
});

/** `GET /v1/reports/email/links`, as the console reads it. */
export type LinkReport = Static<typeof LinkReportSchema>;

/** The period of a query, checked: `from` after `to` is 422. */
export function sendDaysOf(query: { from?: string | undefined; to?: string | undefined }): SendDays {
  if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
    throw unprocessable('the request does not match the expected shape', [
      { path: 'querystring:/to', message: `must not be before "from" (${query.from})` },
    ]);
  }
  return { from: query.from, to: query.to };
}

/**
 * `GET /v1/reports/email` and `GET /v1/reports/email/links`: how marketing email performs,
 * per template, cadence step, cadence or month of sending, from the pre-aggregate
 * `email_daily` (milliseconds at a million emails). Every outcome counts on its email's send
 * day, so a period's rates compare like with like. See docs/email-performance.md.
 */
export const emailReportRoutes: FastifyPluginAsyncTypebox<AppDependencies> = async (app, { db }) => {
  app.get(
    '/v1/reports/email',
    {
      schema: {
        querystring: Type.Object(
          {
            by: Type.Optional(Type.Enum(['template', 'step', 'cadence', 'month'], { description: 'default template' })),
            ...cadencePeriodFields("only this cadence's emails"),
          },
          { additionalProperties: false },
        ),
        response: { 200: EmailReportSchema },
      },
    },
    async (request) => {
      const { by = 'template', cadence } = request.query;
      const days = sendDaysOf(request.query);
      const rows = await emailSums(db, by, days, { cadence });
      const total = rows.reduce(
        (sum, r) => ({
          sent: sum.sent + r.sent,
          bouncedHard: sum.bouncedHard + r.bouncedHard,
          bouncedSoft: sum.bouncedSoft + r.bouncedSoft,
          opened: sum.opened + r.opened,
          machineOpened: sum.machineOpened + r.machineOpened,
          clicked: sum.clicked + r.clicked,
          machineClicked: sum.machineClicked + r.machineClicked,
          unsubscribed: sum.unsubscribed + r.unsubscribed,
          complained: sum.complained + r.complained,
        }),
        NO_EMAILS,
      );
      return {
        by,
        from: days.from ?? null,
        to: days.to ?? null,
        timezone: EMAIL_REPORT_TIMEZONE,
        items: rows.map((r) => ({
          ...figuresOf(r),
          template: r.template,
          cadence: r.cadence,
          stage: r.stage,
          step: r.step,
          month: r.month,
        })),
        totals: figuresOf(total),
      };
    },
  );

  app.get(
    '/v1/reports/email/links',
    {
      schema: {
        querystring: Type.Object(
          {
            template: Type.String({
              minLength: 1,
              maxLength: 100,
              description: 'the template whose links are counted',
            }),
            ...SendDaysQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: LinkReportSchema },
      },
    },
    async (request) => {
      const days = sendDaysOf(request.query);
      return {
        template: request.query.template,
        from: days.from ?? null,
        to: days.to ?? null,
        items: await linkClicks(db, request.query.template, days),
      };
    },
  );
};
