import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailActivities, type SendEmailInput, type SendEmailResult } from '../../activities/email.ts';
import { saveTemplate } from '../../db/repositories/templates.ts';
import { createMailer, type Mailer } from '../../mail/transport.ts';
import { countingPool } from '../support/counting-pool.ts';
import { createTestDatabase, mailTo, stack, testActivityDependencies } from '../support/services.ts';

// The email activity's statements on the way of a touch (issue #14): one read (lead,
// delivery row, suppression, the templates' generation), the claim with the email report's
// row, and `sent` with the timeline entry and the report's count. The template and its
// partials are read again only after a template write moved the generation. Counted by
// passing the activity a Queryable that counts the statements it hands to the real pool.

describe('the email activity against PostgreSQL', () => {
  let pool: pg.Pool;
  let drop: () => Promise<void>;
  let mailer: Mailer;
  let counted: ReturnType<typeof countingPool>;
  let activities: ReturnType<typeof createEmailActivities>;

  beforeAll(async () => {
    ({ pool, drop } = await createTestDatabase());
    counted = countingPool(pool);
    mailer = createMailer(stack().smtpUrl);
    activities = createEmailActivities({ ...testActivityDependencies(pool, mailer), db: counted.db });
    await saveTemplate(pool, '_rt-footer', { locale: 'ja', subject: '-', mjml: '<mj-text>署名 v1</mj-text>' });
    await saveTemplate(pool, 'rt-news', {
      locale: 'ja',
      subject: 'お知らせ v1',
      mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.name}} 様</mj-text>{{> _rt-footer}}</mj-column></mj-section></mj-body></mjml>',
    });
  });
  afterAll(async () => {
    mailer.close();
    await drop();
  });

  /** A new lead sent the touch once: its statements, and the message its inbox got. */
  const send = async () => {
    const email = `rt-${randomUUID()}@example.jp`;
    const leadId = (
      await pool.query<{ id: string }>(
        "INSERT INTO leads (email, name, cadence_key) VALUES ($1, '山田', 'default') RETURNING id",
        [email],
      )
    ).rows[0]!.id;
    const idempotencyKey = `lead-${leadId}/rt/0`;
    counted.reset();
    const result: SendEmailResult = await new MockActivityEnvironment().run(
      (input: SendEmailInput) => activities.sendEmail(input),
      {
        leadId,
        templateKey: 'rt-news',
        idempotencyKey,
        origin: { cadenceKey: 'default', stage: 'nurturing', step: 0 },
      },
    );
    const statements = counted.count();
    expect(result.status).toBe('sent');
    const [mail] = await mailTo(email);
    const stats = await pool.query<{ sent_at: Date | null; step_index: number; stage: string }>(
      'SELECT sent_at, step_index, stage FROM email_stats WHERE delivery_key = $1',
      [idempotencyKey],
    );
    const timeline = await pool.query('SELECT 1 FROM timeline WHERE dedupe_key = $1', [`${idempotencyKey}/sent`]);
    return { email, leadId, idempotencyKey, statements, mail, stats: stats.rows, timeline: timeline.rowCount };
  };

  it('sends with three statements once the template is resolved, and reads it again after any template write', async () => {
    const cold = await send();
    // The template and its partial were read (and kept) on the first send.
    expect(cold.statements).toBe(5);
    expect(cold.mail?.subject).toBe('お知らせ v1');
    expect(cold.mail?.text).toContain('署名 v1');

    const warm = await send();
    expect(warm.statements).toBe(3);
    expect(warm.mail?.subject).toBe('お知らせ v1');
    // The email report's row was written with the claim and counted with `sent`; the
    // timeline entry with `sent` too.
    expect(warm.stats).toEqual([{ sent_at: expect.any(Date), step_index: 0, stage: 'nurturing' }]);
    expect(warm.timeline).toBe(1);

    // A new version of the partial written by hand in SQL, not through the API: the
    // statement trigger moves the generation all the same, and the next email has the new
    // signature.
    await pool.query(
      "INSERT INTO templates (key, version, locale, subject, mjml) VALUES ('_rt-footer', 2, 'ja', '-', '<mj-text>署名 v2</mj-text>')",
    );
    const edited = await send();
    expect(edited.statements).toBe(5);
    expect(edited.mail?.text).toContain('署名 v2');

    // A new version saved through the repository, as the API saves it.
    await saveTemplate(pool, 'rt-news', {
      locale: 'ja',
      subject: 'お知らせ v2',
      mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.name}} 様</mj-text>{{> _rt-footer}}</mj-column></mj-section></mj-body></mjml>',
    });
    const saved = await send();
    expect(saved.mail?.subject).toBe('お知らせ v2');
    expect((await send()).statements).toBe(3);
  });

  it('records no report row for a touch it does not send, and a retry of a sent one counts nothing more', async () => {
    const email = `rt-suppressed-${randomUUID()}@example.jp`;
    const leadId = (
      await pool.query<{ id: string }>("INSERT INTO leads (email, cadence_key) VALUES ($1, 'default') RETURNING id", [
        email,
      ])
    ).rows[0]!.id;
    await pool.query("INSERT INTO suppressions (email, reason) VALUES ($1, 'unsubscribed')", [email]);
    const skipped: SendEmailResult = await new MockActivityEnvironment().run(
      (input: SendEmailInput) => activities.sendEmail(input),
      {
        leadId,
        templateKey: 'rt-news',
        idempotencyKey: `lead-${leadId}/rt/0`,
      },
    );
    expect(skipped.status).toBe('suppressed');
    const skippedRows = await pool.query('SELECT 1 FROM email_stats WHERE delivery_key = $1', [`lead-${leadId}/rt/0`]);
    expect(skippedRows.rowCount).toBe(0);

    const sent = await send();
    const retry: SendEmailResult = await new MockActivityEnvironment().run(
      (input: SendEmailInput) => activities.sendEmail(input),
      {
        leadId: sent.leadId,
        templateKey: 'rt-news',
        idempotencyKey: sent.idempotencyKey,
        origin: { cadenceKey: 'default', stage: 'nurturing', step: 0 },
      },
    );
    expect(retry.status).toBe('already-sent');
    const after = await pool.query('SELECT sent_at, step_index, stage FROM email_stats WHERE delivery_key = $1', [
      sent.idempotencyKey,
    ]);
    expect(after.rows).toEqual(sent.stats);
    expect(await mailTo(sent.email)).toHaveLength(1);
  });
});
