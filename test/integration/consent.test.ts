import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../mail/tokens.ts';
import { APP_SECRET, auth, mailTo, startTestServices, waitFor } from '../support/services.ts';

// Consent records (特定電子メール法) with CONSENT_REQUIRED=true: a lead without a basis gets
// its email steps' fallbacks instead of email, and says why; the record comes from the API
// and the CSV import, is exported per lead, and outlives an unsubscribe.
const CONSENT = {
  basis: 'business_card',
  source: '展示会 2026-11',
  at: '2026-11-20T10:00:00+09:00',
  evidence: 'card-0042',
};

describe('consent records', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let stop: () => Promise<void>;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    ({ app, pool, stop } = await startTestServices({
      workerOptions: { consentRequired: true },
      config: { consentRequired: true },
    }));
    const template = {
      subject: 'ご案内',
      mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>ご案内</mj-text></mj-column></mj-section></mj-body></mjml>',
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/templates/guide', headers: auth, payload: template })).statusCode,
    ).toBe(201);
    const cadence = {
      name: 'Consent',
      nurture: {
        steps: [
          {
            after: 'PT1S',
            channel: 'email',
            template: 'guide',
            fallback: { channel: 'task', title: '電話でご案内' },
          },
          { after: 'P1M', channel: 'email', template: 'guide' },
        ],
      },
      sendWindow: null,
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/consent', headers: auth, payload: cadence })).statusCode,
    ).toBe(201);
    for (const [name, consent] of [
      ['with-basis', CONSENT],
      ['without-basis', undefined],
    ] as const) {
      const created = await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email: `${name}@example.jp`, cadence: 'consent', ...(consent ? { consent } : {}) },
      });
      expect(created.statusCode).toBe(201);
      ids.set(name, created.json<{ id: string }>().id);
    }
  }, 60_000);
  afterAll(async () => stop());

  const lead = async (name: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${ids.get(name)}`, headers: auth })).json<{
      consent: typeof CONSENT | null;
    }>();

  it('keeps the record given to POST /v1/leads, and keeps it when a later update leaves it out', async () => {
    expect((await lead('with-basis')).consent).toEqual(CONSENT);
    expect((await lead('without-basis')).consent).toBeNull();
    const update = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'with-basis@example.jp', name: '佐藤' },
    });
    expect(update.statusCode).toBe(200);
    expect((await lead('with-basis')).consent).toEqual(CONSENT);
  });

  it('refuses a basis the law does not know, with a 422 naming it, and stores nothing', async () => {
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'purchased@example.jp', consent: { ...CONSENT, basis: 'purchased_list' } },
    });
    expect(bad.statusCode).toBe(422);
    expect(JSON.stringify(bad.json())).toContain('consent');
    expect((await pool.query("SELECT 1 FROM leads WHERE email = 'purchased@example.jp'")).rowCount).toBe(0);
  });

  it('sends email only to the lead with a basis; the other gets the fallback task and explain says why', async () => {
    await waitFor(
      async () => (await mailTo('with-basis@example.jp')).length === 1,
      'the email to the lead with a basis',
    );
    await waitFor(
      async () =>
        (await pool.query("SELECT 1 FROM tasks WHERE lead_id = $1 AND kind = 'todo'", [ids.get('without-basis')]))
          .rowCount === 1,
      'the fallback task for the lead without a basis',
    );
    expect(await mailTo('without-basis@example.jp')).toHaveLength(0);
    const explain = await app.inject({
      method: 'GET',
      url: `/v1/leads/${ids.get('without-basis')}/explain`,
      headers: auth,
    });
    expect(explain.json<{ consent: { basis: string | null; emailBlocked: string | null } }>().consent).toEqual({
      basis: null,
      emailBlocked: expect.stringContaining('no consent basis'),
    });
    const report = await app.inject({ method: 'GET', url: '/v1/reports/consent', headers: auth });
    expect(report.json()).toMatchObject({
      consentRequired: true,
      withoutBasis: 1,
      items: [{ id: ids.get('without-basis'), email: 'without-basis@example.jp' }],
    });
  });

  it('takes the record from CSV columns, a bare date as that day in Japan', async () => {
    const csv =
      'メールアドレス,同意根拠,同意取得元,同意日時,同意証跡\r\ncsv-consent@example.jp,opt_in,資料請求フォーム,2026-10-01,form-123\r\n';
    const imported = await app.inject({
      method: 'POST',
      url: '/v1/leads/import',
      headers: { ...auth, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(imported.statusCode).toBe(200);
    const row = await pool.query<{ consent: unknown }>(
      "SELECT consent FROM leads WHERE email = 'csv-consent@example.jp'",
    );
    expect(row.rows[0]?.consent).toEqual({
      basis: 'opt_in',
      source: '資料請求フォーム',
      at: '2026-10-01T00:00:00+09:00',
      evidence: 'form-123',
    });
  });

  it('exports one lead’s record as CSV, and still has it after the lead unsubscribed', async () => {
    const id = ids.get('with-basis')!;
    const unsubscribe = await app.inject({
      method: 'POST',
      url: `/u/${signToken(APP_SECRET, { p: 'unsubscribe', l: id })}`,
    });
    expect(unsubscribe.statusCode).toBeLessThan(300);
    expect((await lead('with-basis')).consent).toEqual(CONSENT);
    const exported = await app.inject({ method: 'GET', url: `/v1/leads/${id}/consent.csv`, headers: auth });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-type']).toContain('text/csv');
    const [header, row] = exported.body
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(header).toBe(
      'lead_id,email,name,company,consent_basis,consent_source,consent_at,consent_evidence,email_suppressed,exported_at',
    );
    expect(row).toContain(
      `${id},with-basis@example.jp,佐藤,,business_card,展示会 2026-11,2026-11-20T10:00:00+09:00,card-0042,`,
    );
    expect(row).toMatch(/unsubscribe/);
    expect((await app.inject({ method: 'GET', url: '/v1/leads/nope/consent.csv', headers: auth })).statusCode).toBe(
      404,
    );
  });
});
