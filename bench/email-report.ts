import { performance } from 'node:perf_hooks';
import { createPool } from '../db/pool.ts';
import { emailSums, linkClicks, type EmailReportGrouping } from '../db/repositories/email-stats.ts';
import { median, round } from './stats.ts';

/** What the email report measurement is asked to do. */
export interface EmailReportSettings {
  databaseUrl: string;
  /** Emails to fill (one `email_stats` row each, as every sent marketing email has). */
  deliveries: number;
  rounds: number;
  log: (line: string) => void;
}

/** How long filling took, and each report's median answer time. */
export interface EmailReportResult {
  deliveries: number;
  hits: number;
  fillSeconds: number;
  /** Rows per second through the pre-aggregate's trigger. */
  fillPerSecond: number;
  /** Median milliseconds of GET /v1/reports/email's query per `by`, over the whole period and over one month. */
  reportMs: Record<EmailReportGrouping | 'variant' | 'links', number>;
  monthReportMs: number;
  dailyRows: number;
}

const BATCH = 100_000;

/**
 * Fills `deliveries` emails over a year (20 templates, 3 cadences of 6 steps, one A/B step,
 * outcomes at typical rates: 3 % bounces, a quarter opened, machines on top, a few percent
 * clicked) through the same trigger the send path feeds, plus a click hit per clicked
 * email, then times the report's queries, the ones `GET /v1/reports/email` runs, for every
 * grouping, the A/B comparison and one template's per-link clicks.
 */
export async function benchEmailReport(settings: EmailReportSettings): Promise<EmailReportResult> {
  const pool = createPool(settings.databaseUrl);
  try {
    await pool.query('TRUNCATE email_hits, email_stats, email_daily');
    const started = performance.now();
    for (let from = 0; from < settings.deliveries; from += BATCH) {
      const to = Math.min(from + BATCH, settings.deliveries);
      // Deterministic per row (hashes of its number), so every run fills the same data.
      await pool.query(
        `INSERT INTO email_stats (delivery_key, lead_id, template_key, cadence_key, stage, step_index, variant_test,
                                  sent_at, sent_on, bounce, opened, machine_opened, clicked, machine_clicked,
                                  unsubscribed, complained)
         SELECT 'bench/' || i, gen_random_uuid(), 'template-' || (i % 20), 'cadence-' || (i % 3), 'nurturing', i % 6,
                i % 6 = 0, at, (at AT TIME ZONE 'Asia/Tokyo')::date,
                CASE WHEN r < 0.02 THEN 'hard' WHEN r < 0.03 THEN 'soft' END,
                r >= 0.03 AND r < 0.28, r >= 0.28 AND r < 0.43, r >= 0.03 AND r < 0.07, r >= 0.43 AND r < 0.46,
                r >= 0.5 AND r < 0.503, r >= 0.6 AND r < 0.6005
           FROM (SELECT i, now() - (i % 365) * interval '1 day' - (i % 86400) * interval '1 second' AS at,
                        ((hashint4(i) & 2147483647) % 100000) / 100000.0 AS r
                   FROM generate_series($1::int, $2::int - 1) AS i) s`,
        [from, to],
      );
      settings.log(`email report: ${to.toLocaleString('en')} emails filled`);
    }
    await pool.query(
      `INSERT INTO email_hits (delivery_key, template_key, kind, url, at, machine_reason)
       SELECT delivery_key, template_key, 'click', 'https://example.jp/link-' || (hashtext(delivery_key) & 3),
              sent_at + interval '1 hour', CASE WHEN machine_clicked THEN 'scanner_user_agent' END
         FROM email_stats WHERE clicked OR machine_clicked`,
    );
    const fillSeconds = (performance.now() - started) / 1000;
    await pool.query('VACUUM ANALYZE email_stats');
    await pool.query('VACUUM ANALYZE email_hits');
    await pool.query('VACUUM ANALYZE email_daily');
    const hits = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM email_hits')).rows[0]?.n ?? 0);
    const dailyRows = Number(
      (await pool.query<{ n: string }>('SELECT count(*) AS n FROM email_daily')).rows[0]?.n ?? 0,
    );

    const time = async (run: () => Promise<unknown>): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < settings.rounds; i += 1) {
        const t = performance.now();
        await run();
        samples.push(performance.now() - t);
      }
      return round(median(samples));
    };
    const all = {};
    const reportMs = {
      template: await time(() => emailSums(pool, 'template', all)),
      step: await time(() => emailSums(pool, 'step', all)),
      cadence: await time(() => emailSums(pool, 'cadence', all)),
      month: await time(() => emailSums(pool, 'month', all)),
      variant: await time(() => emailSums(pool, 'variant', all)),
      links: await time(() => linkClicks(pool, 'template-7', all)),
    };
    const today = new Date();
    const monthAgo = new Date(today.getTime() - 30 * 86_400_000);
    const day = (d: Date) => d.toISOString().slice(0, 10);
    const monthReportMs = await time(() => emailSums(pool, 'step', { from: day(monthAgo), to: day(today) }));
    return {
      deliveries: settings.deliveries,
      hits,
      fillSeconds: round(fillSeconds),
      fillPerSecond: round(settings.deliveries / fillSeconds),
      reportMs,
      monthReportMs,
      dailyRows,
    };
  } finally {
    await pool.end();
  }
}
