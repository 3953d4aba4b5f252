import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY } from '../support/services.ts';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';

describe('console in a browser: signing in, the dashboard, roles', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(async () => h.stop());

  it("shows the sign-in form, in the browser's language, at both widths", async () => {
    for (const [width, name] of [
      [1280, 'sign-in-1280'],
      [390, 'sign-in-390'],
    ] as const) {
      const context = await h.browser.newContext({
        baseURL: h.baseUrl,
        viewport: { width, height: 800 },
        locale: 'ja-JP',
      });
      const page = await context.newPage();
      await page.goto('/');
      expect(new URL(page.url()).pathname).toBe('/sign-in');
      expect(await page.locator('h1').textContent()).toBe('サインイン');
      expect(await page.getByLabel('APIキー').getAttribute('type')).toBe('password');
      await h.screenshot(page, name);
      await context.close();
    }
  });

  it('signs in with an API key and shows the dashboard in Japanese, then in English', async () => {
    const page = await h.signedInPage(ADMIN_KEY);
    expect(await page.locator('h1').textContent()).toBe('ダッシュボード');
    expect(await page.locator('.role').textContent()).toContain('管理者');
    // Month by month once, as the table; every chart drawn at a readable size.
    expect(await page.getByRole('heading', { name: '月別の推移' }).count()).toBe(1);
    expect(await page.locator('svg.chart').count()).toBe(2);
    // At desktop width each chart is drawn at its own size (320 px wide), not shrunk to fit.
    for (const chart of await page.locator('svg.chart').all()) expect((await chart.boundingBox())?.width).toBe(320);
    // The contact health tile: three figures, each a link to the lead list filtered to them.
    const health = page.getByRole('region', { name: '接触状況（今月）' });
    expect(await health.isVisible()).toBe(true);
    expect(await Promise.all((await health.getByRole('link').all()).map((link) => link.getAttribute('href')))).toEqual([
      '/leads?contact=contactable',
      '/leads?contact=touched',
      '/leads?contact=at_risk',
    ]);
    expect(await h.screenshotBothWidths(page, 'dashboard-ja')).toBeLessThanOrEqual(0);
    await Promise.all([page.waitForURL('**/'), page.getByRole('link', { name: 'English' }).click()]);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Dashboard');
    // The session cookie is not readable from scripts.
    expect(await page.evaluate('document.cookie')).not.toContain('lle_session');
    await page.close();
  });

  it('shows a sales rep only what sales may do, at phone width too', async () => {
    const page = await h.signedInPage(await h.keyFor('sales'), { mobile: true, lang: 'en' });
    const menu = page.getByRole('navigation', { name: 'Main menu' });
    expect(await menu.getByRole('link', { name: 'Sales inbox' }).isVisible()).toBe(true);
    expect(await menu.getByRole('link', { name: 'Cadences' }).count()).toBe(0);
    expect(await menu.getByRole('link', { name: 'Templates' }).count()).toBe(0);
    await h.screenshot(page, 'dashboard-sales-390');
    // Nothing overflows the phone's width (tables and the menu scroll inside their boxes).
    expect(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await page.close();
  });
});
