import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../mail/tokens.ts';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';
import { ADMIN_KEY, APP_SECRET, auth, waitFor } from '../support/services.ts';
import { settlePool } from '../support/state-snapshot.ts';

// The email performance page in a browser: charts per template and per cadence step, the
// A/B test with its verdict, ending it keeping one variant, per-link clicks; in Japanese
// and English, at desktop and phone widths.

const VARIANTS = [
  { template: 'e2e-a', weight: 50 },
  { template: 'e2e-b', weight: 50 },
];
const BROWSER_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

describe('console in a browser: email performance and A/B tests', () => {
  let h: ConsoleHarness;
  const templatesSent = new Set<string>();

  beforeAll(async () => {
    h = await startConsoleHarness();
    for (const key of ['e2e-a', 'e2e-b']) {
      const res = await h.app.inject({
        method: 'PUT',
        url: `/v1/templates/${key}`,
        headers: auth,
        payload: {
          subject: `Seminar ${key}`,
          mjml: `<mjml><mj-body><mj-section><mj-column><mj-text><a href="https://example.jp/seminar">${key}</a></mj-text></mj-column></mj-section></mj-body></mjml>`,
        },
      });
      expect(res.statusCode).toBe(201);
    }
    const cadence = await h.app.inject({
      method: 'PUT',
      url: '/v1/cadences/e2e-ab',
      headers: auth,
      payload: {
        name: 'Seminar A/B',
        nurture: { steps: [{ after: 'PT1S', channel: 'email', variants: VARIANTS }] },
        sendWindow: null,
      },
    });
    expect(cadence.statusCode).toBe(201);
    const leads: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email: `e2e-perf-${i}-${randomUUID().slice(0, 6)}@example.jp`, cadence: 'e2e-ab' },
      });
      leads.push(res.json<{ id: string }>().id);
    }
    for (const id of leads) {
      const row = await waitFor(
        async () =>
          (
            await h.pool.query<{ delivery_key: string; template_key: string }>(
              'SELECT delivery_key, template_key FROM email_stats WHERE lead_id = $1 AND sent_on IS NOT NULL',
              [id],
            )
          ).rows[0],
        'the A/B email sent',
      );
      templatesSent.add(row.template_key);
      // Read a minute after the send, so the open and click count as a person's.
      await h.pool.query("UPDATE email_stats SET sent_at = sent_at - interval '1 minute' WHERE delivery_key = $1", [
        row.delivery_key,
      ]);
      const click = signToken(APP_SECRET, { p: 'click', l: id, d: row.delivery_key, u: 'https://example.jp/seminar' });
      await h.app.inject({ method: 'GET', url: `/t/c/${click}`, headers: { 'user-agent': BROWSER_UA } });
      const open = signToken(APP_SECRET, { p: 'open', l: id, d: row.delivery_key });
      await h.app.inject({ method: 'GET', url: `/t/o/${open}`, headers: { 'user-agent': 'Mozilla/5.0' } });
    }
    await settlePool(h.pool);
  }, 120_000);
  afterAll(async () => h?.stop());

  it('shows a chart per template and per cadence step, and the running test, in Japanese at both widths', async () => {
    const page = await h.signedInPage(ADMIN_KEY);
    await page.getByRole('link', { name: 'メール成果' }).click();
    expect(await page.locator('h1').textContent()).toBe('メール配信成果');
    expect(await page.getByTestId('template-chart').count()).toBe(templatesSent.size);
    expect(await page.getByTestId('step-chart').count()).toBe(1);
    expect(await page.getByTestId('step-chart').locator('h3').textContent()).toBe('e2e-ab · 育成 · ステップ 1');
    // Four emails, each clicked by a person: 100 % click rate; the bare Mozilla/5.0 opens are counted apart.
    const totals = page.getByTestId('totals');
    expect(await totals.textContent()).toContain('送信 4');
    expect(await totals.textContent()).toContain('クリック率 100%');
    expect(await totals.textContent()).toContain('機械による開封 0');
    const test = page.getByTestId('test-e2e-ab-nurturing-0');
    expect(await test.textContent()).toContain('実施中');
    expect(await test.textContent()).toContain('クリック率で比較');
    expect(await h.screenshotBothWidths(page, 'performance-ja')).toBeLessThanOrEqual(0);
    await page.context().close();
  });

  it('lists clicks per link of a template, and ends the test keeping a variant after a confirmation, in English', async () => {
    const page = await h.signedInPage(ADMIN_KEY, { lang: 'en' });
    await page.goto('/performance');
    expect(await page.locator('h1').textContent()).toBe('Email performance');
    const first = [...templatesSent].sort()[0] ?? '';
    await page.getByRole('link', { name: first, exact: true }).click();
    const links = page.getByTestId('links-table');
    expect(await links.locator('tbody tr').count()).toBe(1);
    expect(await links.locator('tbody th').textContent()).toBe('https://example.jp/seminar');

    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await page.getByRole('button', { name: 'e2e-b: keep it and end the test' }).click();
    await page.waitForURL(/\/performance\?ended=/);
    expect(asked).toContain('A new version of the cadence is saved');
    expect(await page.locator('.notice').first().textContent()).toContain('e2e-ab v2');
    expect(await page.getByTestId('test-e2e-ab-nurturing-0').textContent()).toContain('ended');
    const saved = await h.app.inject({ method: 'GET', url: '/v1/cadences/e2e-ab', headers: auth });
    expect(saved.json()).toMatchObject({ version: 2, definition: { nurture: { steps: [{ template: 'e2e-b' }] } } });
    await page.context().close();
  });
});
