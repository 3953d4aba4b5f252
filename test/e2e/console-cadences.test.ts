import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, auth } from '../support/services.ts';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';

const noSideScroll = (page: Page) => page.evaluate('document.documentElement.scrollWidth - window.innerWidth');

/** Clicks a submit button and waits for the page it posts to. */
async function submit(page: Page, selector: string): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), page.waitForNavigation(), page.locator(selector).click()]);
}

describe('console in a browser: cadences', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(async () => h.stop());

  const versionsOf = async (key: string) =>
    (
      await h.pool.query<{ version: number; name: string }>(
        "SELECT version, definition->>'name' AS name FROM cadences WHERE key = $1 ORDER BY version",
        [key],
      )
    ).rows;

  it('creates a cadence with two steps, shows a wrong wait beside its field, then saves versions 1 and 2', async () => {
    const page = await h.signedInPage(await h.keyFor('marketer'), { lang: 'en' });
    await page.goto('/cadences');
    expect(await page.locator('tr[data-cadence="default"]').count()).toBe(1);
    await h.screenshot(page, 'cadences-list-1280');
    await Promise.all([page.waitForURL('**/cadences/new'), page.getByRole('link', { name: 'New cadence' }).click()]);
    await page.getByLabel('Key', { exact: false }).fill('spring');
    await page.getByLabel('Name', { exact: true }).fill('Spring campaign');
    await page.locator('#f-nurture-steps-0-after').fill('P1D');
    await page.locator('#f-nurture-steps-0-template').selectOption('nurture-intro');
    // Adding a step posts the form back, keeping what was typed.
    await submit(page, 'button[value="add-step:nurture"]');
    expect(await page.locator('#f-nurture-steps-0-after').inputValue()).toBe('P1D');
    expect(await page.getByLabel('Key', { exact: false }).inputValue()).toBe('spring');
    await page.locator('#f-nurture-steps-1-after').fill('P1X');
    await page.locator('#f-nurture-steps-1-channel').selectOption('dm');
    await page.locator('#f-nurture-steps-1-template').selectOption('dm-catalog');
    await submit(page, '.cadence-form .actions button[value="save"]');

    const wait = page.locator('#f-nurture-steps-1-after');
    expect(await wait.getAttribute('aria-invalid')).toBe('true');
    expect(await wait.inputValue()).toBe('P1X');
    const describedBy = (await wait.getAttribute('aria-describedby')) ?? '';
    expect(describedBy).toContain('f-nurture-steps-1-after-error');
    expect(await page.locator('#f-nurture-steps-1-after-error').textContent()).toContain('not an ISO 8601 duration');
    expect(await page.locator('#f-nurture-steps-0-after').getAttribute('aria-invalid')).toBeNull();
    expect(await versionsOf('spring')).toEqual([]);
    await h.screenshot(page, 'cadence-edit-error-1280');

    await wait.fill('P1M');
    await submit(page, '.cadence-form .actions button[value="save"]');
    expect(new URL(page.url()).pathname).toBe('/cadences/spring');
    expect(await page.locator('.notice.ok').textContent()).toContain('version 1');
    expect(await page.locator('table.versions tbody tr').count()).toBe(1);
    expect(await page.locator('table.versions tr[data-version="1"] td.num').textContent()).toBe('0');
    expect(await versionsOf('spring')).toEqual([{ version: 1, name: 'Spring campaign' }]);
    await h.screenshot(page, 'cadence-view-1280');

    // Leads running version 1 (no workflows): three at its second step, two past its end.
    await h.pool.query(
      `INSERT INTO leads (email, cadence_key, cadence_version, stage, step_index)
       SELECT 'spring-' || i || '@example.jp', 'spring', 1, 'nurturing', CASE WHEN i <= 3 THEN 1 ELSE 2 END FROM generate_series(1, 5) AS i`,
    );

    await Promise.all([
      page.waitForURL('**/cadences/spring/edit'),
      page.getByRole('link', { name: 'Edit', exact: true }).click(),
    ]);
    expect(await page.locator('#f-nurture-steps-1-after').inputValue()).toBe('P1M');
    expect(await page.locator('#f-nurture-steps-1-after-hint').textContent()).toBe('1 month');
    await page.getByLabel('Name', { exact: true }).fill('Spring campaign, weekly');
    // Reorder: the DM goes first.
    await submit(page, 'button[value="up-step:nurture:1"]');
    expect(await page.locator('#f-nurture-steps-0-channel').inputValue()).toBe('dm');
    await h.screenshot(page, 'cadence-edit-1280');
    await submit(page, '.cadence-form .actions button[value="save"]');
    expect(new URL(page.url()).pathname).toBe('/cadences/spring');
    expect(await page.locator('table.versions tbody tr').count()).toBe(2);
    expect(await page.locator('table.versions tr[aria-current="true"]').getAttribute('data-version')).toBe('2');
    // What the save did to the running leads: where they are; none moves (still two steps).
    const impact = page.getByRole('region', { name: 'Leads this save affects' });
    expect(await impact.locator('[data-impact-running]').textContent()).toBe('5');
    expect(await impact.locator('[data-impact-moving]').textContent()).toBe('0');
    expect(await impact.locator('[data-impact-past-end]').textContent()).toBe('0');
    expect(await impact.locator('tbody tr').allTextContents()).toEqual(['Nurturing23', 'Nurturingpast the end2']);
    const stored = await h.pool.query<{ definition: { nurture: { steps: { channel: string }[] } } }>(
      "SELECT definition FROM cadences WHERE key = 'spring' AND version = 2",
    );
    expect(stored.rows[0]?.definition.nurture.steps.map((s) => s.channel)).toEqual(['dm', 'email']);
    // The old version stays readable.
    await page.goto('/cadences/spring?version=1');
    expect(await page.locator('dl.profile').first().textContent()).toContain('Spring campaign');
    await page.close();
  });

  it('previews touches that land on a weekend or holiday on the next business day', async () => {
    const res = await h.app.inject({
      method: 'PUT',
      url: '/v1/cadences/golden-week',
      headers: auth,
      payload: {
        name: 'Golden Week',
        nurture: { steps: [{ after: 'P1D', channel: 'email', template: 'nurture-intro' }] },
        sendWindow: { timezone: 'Asia/Tokyo', businessDays: true, from: '09:00', to: '18:00' },
      },
    });
    expect(res.statusCode).toBe(201);
    const page = await h.signedInPage(ADMIN_KEY, { lang: 'en' });
    // Friday 1 May 2026: a day later is Saturday, then Sunday and three holidays (3–6 May).
    await page.goto('/cadences/golden-week');
    await page.locator('#preview-start').fill('2026-05-01');
    await Promise.all([
      page.waitForURL('**/cadences/golden-week?start=2026-05-01*'),
      page.getByRole('button', { name: 'Preview' }).click(),
    ]);
    const row = page.locator('table.preview-timeline tbody tr').first();
    expect(await row.locator('td[data-at]').getAttribute('data-at')).toBe('2026-05-07T00:00:00.000Z');
    expect(await row.locator('td[data-at]').textContent()).toMatch(/Thu.*7 May 2026/);
    expect(await row.getAttribute('class')).toBe('moved');
    expect(await row.textContent()).toMatch(/moved by the send window \(due Sat.*2 May/);

    // The unsaved form previews too, with the window switched off: Saturday it is.
    await page.goto('/cadences/golden-week/edit');
    await page.locator('#f-sendWindow-none').check();
    await page.locator('#preview-start').fill('2026-05-01');
    await submit(page, 'button[value="preview"]');
    expect(await page.locator('table.preview-timeline td[data-at]').first().textContent()).toMatch(/Sat.*2 May 2026/);
    expect(await page.locator('#f-sendWindow-none').isChecked()).toBe(true);
    expect((await versionsOf('golden-week')).length).toBe(1);
    await page.close();
  });

  it('shows a sales key no edit controls and refuses its forged posts, storing nothing', async () => {
    const page = await h.signedInPage(await h.keyFor('sales'), { lang: 'en' });
    const view = await page.goto('/cadences/default');
    expect(view?.status()).toBe(403);
    expect(await page.locator('a[href$="/edit"], a[href="/cadences/new"], button[value="save"]').count()).toBe(0);
    const csrf = (await page.locator('input[name="_csrf"]').first().getAttribute('value')) ?? '';
    const before = await versionsOf('default');
    const forged = await page.request.post('/cadences/default/edit', {
      form: {
        _csrf: csrf,
        action: 'save',
        name: 'Hijacked',
        'nurture.steps.0.after': 'PT1S',
        'nurture.steps.0.channel': 'task',
        'sendWindow.mode': 'none',
      },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    const created = await page.request.post('/cadences/new', {
      form: {
        _csrf: csrf,
        action: 'save',
        key: 'forged',
        name: 'x',
        'nurture.steps.0.after': 'P1D',
        'nurture.steps.0.channel': 'task',
      },
      maxRedirects: 0,
    });
    expect(created.status()).toBe(403);
    expect(await versionsOf('default')).toEqual(before);
    expect(await versionsOf('forged')).toEqual([]);
    expect((await page.goto('/cadences/default/edit'))?.status()).toBe(403);
    await page.close();
  });

  it('fits the list, view and editor at phone width', async () => {
    const page = await h.signedInPage(ADMIN_KEY, { mobile: true, lang: 'ja' });
    for (const [path, name] of [
      ['/cadences', 'cadences-list-390'],
      ['/cadences/default', 'cadence-view-390'],
      ['/cadences/default/edit', 'cadence-edit-390'],
    ] as const) {
      await page.goto(path);
      await h.screenshot(page, name);
      expect({ path, overflow: await noSideScroll(page) }).toEqual({ path, overflow: 0 });
    }
    await page.close();
  });
});
