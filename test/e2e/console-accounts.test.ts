import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';
import { auth } from '../support/services.ts';

// Accounts in a browser: the list, an account's page (its leads with stage and score, its
// deals, its touches) and the lead page's link to its colleagues, in Japanese and English,
// at desktop and phone widths.

describe('console in a browser: accounts', () => {
  let h: ConsoleHarness;
  const ids: string[] = [];

  beforeAll(async () => {
    h = await startConsoleHarness();
    const quiet = { name: 'Quiet', nurture: { steps: [{ after: 'P1M', channel: 'task', title: '電話' }] } };
    expect(
      (await h.app.inject({ method: 'PUT', url: '/v1/cadences/quiet', headers: auth, payload: quiet })).statusCode,
    ).toBe(201);
    for (const [email, company, name, title] of [
      ['yamada@gmail.com', '株式会社サンプル商事', '山田 太郎', '部長'],
      ['suzuki@yahoo.co.jp', '(株)サンプル商事', '鈴木 花子', '課長'],
      ['tanaka@icloud.com', 'ｻﾝﾌﾟﾙ商事㈱', '田中 一郎', null],
    ] as const) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email, company, name, cadence: 'quiet', ...(title ? { title } : {}) },
      });
      expect(res.statusCode).toBe(201);
      ids.push(res.json<{ id: string }>().id);
    }
    // A deal of one of them, as an escalation or the CRM would have opened it.
    await h.pool.query(
      `INSERT INTO deals (lead_id, key, kind, status, stage, amount, opened_at, last_stage_change_at)
       VALUES ($1, 'e2e/deal', 'new', 'open', '提案', 1200000, now(), now())`,
      [ids[0]],
    );
  });
  afterAll(async () => h.stop());

  it('lists the account once for three spellings, and shows its leads, deals and score, in Japanese', async () => {
    const page = await h.signedInPage(await h.keyFor('marketer'), { lang: 'ja' });
    await page.goto('/accounts?q=サンプル');
    expect(await page.locator('h1').textContent()).toBe('企業（アカウント）');
    const rows = page.locator('table.accounts tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().locator('th a').textContent()).toBe('株式会社サンプル商事');
    expect(await rows.first().locator('td').first().textContent()).toBe('3');
    expect(await h.screenshotBothWidths(page, 'accounts-list-ja')).toBeLessThanOrEqual(0);

    await Promise.all([page.waitForURL('**/accounts/*'), rows.first().locator('th a').click()]);
    expect(await page.locator('h1').textContent()).toBe('株式会社サンプル商事');
    expect(await page.locator('[data-field="lead-count"]').textContent()).toBe('3');
    const leads = page.locator('table.account-leads tbody tr');
    expect(await leads.count()).toBe(3);
    expect(await leads.allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('山田 太郎'), expect.stringContaining('鈴木 花子')]),
    );
    expect(await leads.first().locator('td').first().textContent()).toBe('育成');
    expect(await page.locator('table.account-deals tbody').textContent()).toContain('提案');
    expect(await h.screenshotBothWidths(page, 'account-ja')).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 390, height: 844 });
    await h.screenshot(page, 'account-390');
  });

  it("links a lead's page to its account and its colleagues, in English", async () => {
    const page = await h.signedInPage(await h.keyFor('sales'), { lang: 'en' });
    await page.goto(`/leads/${ids[0]}`);
    const block = page.locator('section.lead-account');
    expect(await block.locator('h2').textContent()).toBe('Other leads at this account');
    const colleagues = block.locator('tbody tr');
    expect(await colleagues.count()).toBe(2);
    expect(await colleagues.allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('鈴木 花子'), expect.stringContaining('田中 一郎')]),
    );
    // Not the lead itself.
    expect(await block.textContent()).not.toContain('山田 太郎');
    expect(await h.screenshotBothWidths(page, 'lead-account-en')).toBeLessThanOrEqual(0);
    await Promise.all([
      page.waitForURL('**/accounts/*'),
      block.getByRole('link', { name: '株式会社サンプル商事' }).click(),
    ]);
    expect(await page.locator('#contacts-h').textContent()).toBe('Leads at this account');
    expect(await page.locator('nav.menu a[aria-current="page"]').textContent()).toBe('Accounts');
    expect(await h.screenshotBothWidths(page, 'account-en')).toBeLessThanOrEqual(0);
  });
});
