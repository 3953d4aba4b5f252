import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, auth, waitFor } from '../support/services.ts';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';

const CADENCE = {
  name: 'Desk e2e',
  nurture: {
    steps: [
      { after: 'PT1S', channel: 'dm', template: 'dm-catalog' },
      { after: 'P1M', channel: 'email', template: 'nurture-intro' },
    ],
  },
  scoring: { points: { meeting_request: 50 }, threshold: 50, halfLife: 'P30D' },
  sendWindow: null,
};
const ADDRESS = { postalCode: '100-0001', prefecture: '東京都', city: '千代田区', line1: '千代田1-1' };

describe('console in a browser: the DM desk, the sales inbox, the pipeline', () => {
  let h: ConsoleHarness;
  const leadIds: string[] = [];

  beforeAll(async () => {
    h = await startConsoleHarness();
    expect(
      (await h.app.inject({ method: 'PUT', url: '/v1/cadences/desk-e2e', headers: auth, payload: CADENCE })).statusCode,
    ).toBe(201);
    for (const [i, name] of ['山田太郎', '佐藤花子'].entries()) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: {
          email: `desk-${i}@example.jp`,
          name,
          company: `デスク商事${i}`,
          cadence: 'desk-e2e',
          postalAddress: ADDRESS,
          ownerEmail: 'rep@example.jp',
        },
      });
      leadIds.push(res.json<{ id: string }>().id);
    }
    await waitFor(
      async () => (await h.pool.query("SELECT 1 FROM tasks WHERE kind = 'dm' AND status = 'open'")).rowCount === 2,
      'two DM tasks',
    );
  });
  afterAll(async () => h.stop());

  it('lists open DM tasks with their labels and marks one, then the rest, as sent', async () => {
    const page = await h.signedInPage(ADMIN_KEY, { lang: 'ja' });
    await page.goto('/dm-tasks');
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await page.locator('tbody').textContent()).toContain('〒100-0001 東京都千代田区千代田1-1');
    expect(await h.screenshotBothWidths(page, 'dm-tasks')).toBeLessThanOrEqual(0);
    // One row's own button completes that row only.
    await Promise.all([page.waitForURL('**/dm-tasks?completed=1'), rows.first().getByRole('button').click()]);
    expect(await page.locator('[role="status"]').textContent()).toContain('1');
    expect(await page.locator('tbody tr').count()).toBe(1);
    // Then select all and complete the rest in one go.
    await page.getByRole('checkbox', { name: 'すべて選択' }).check();
    await Promise.all([
      page.waitForURL('**/dm-tasks?completed=1'),
      page.getByRole('button', { name: '選択したDMを発送済みにする' }).click(),
    ]);
    expect(await page.locator('tbody tr').count()).toBe(0);
    const done = await h.pool.query("SELECT count(*)::int AS n FROM tasks WHERE kind = 'dm' AND status = 'done'");
    expect(done.rows[0]).toEqual({ n: 2 });
    await page.close();
  });

  it('shows a hot lead in the sales inbox with why, and a rep acknowledges it', async () => {
    const [hot] = leadIds;
    expect(
      (
        await h.app.inject({
          method: 'POST',
          url: '/v1/events',
          headers: auth,
          payload: { leadId: hot, type: 'meeting_request', id: 'desk-hot-1' },
        })
      ).statusCode,
    ).toBe(202);
    await waitFor(
      async () => (await h.pool.query('SELECT 1 FROM escalations WHERE lead_id = $1', [hot])).rowCount === 1,
      'the escalation',
    );
    const page = await h.signedInPage(await h.keyFor('sales'), { lang: 'en' });
    await page.goto('/inbox');
    const card = page.locator(`[data-escalation-id]`);
    expect(await card.count()).toBe(1);
    expect(await card.textContent()).toContain('デスク商事0');
    expect(await card.locator('.why').textContent()).toContain('Asked for a meeting +50');
    expect(await h.screenshotBothWidths(page, 'inbox')).toBeLessThanOrEqual(0);
    await Promise.all([page.waitForURL('**/inbox?acked=1'), card.getByRole('button', { name: 'Acknowledge' }).click()]);
    expect(await page.locator('[data-escalation-id]').count()).toBe(0);
    const acked = await h.pool.query('SELECT acked_at FROM escalations WHERE lead_id = $1', [hot]);
    expect(acked.rows[0]?.acked_at).toBeInstanceOf(Date);
    // The escalated lead is now a deal on its owner's line of the pipeline.
    await page.goto('/pipeline');
    expect(await page.locator('main').textContent()).toContain('rep@example.jp');
    expect(await h.screenshotBothWidths(page, 'pipeline')).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('shows a sent email in the outbox, as rendered', async () => {
    const cadence = {
      name: 'Outbox e2e',
      nurture: { steps: [{ after: 'PT1S', channel: 'email', template: 'nurture-intro' }] },
      sendWindow: null,
    };
    expect(
      (await h.app.inject({ method: 'PUT', url: '/v1/cadences/outbox-e2e', headers: auth, payload: cadence }))
        .statusCode,
    ).toBe(201);
    const to = `outbox-${Date.now()}@example.jp`;
    await h.app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: to, name: '鈴木一郎', company: '送信商事', cadence: 'outbox-e2e' },
    });
    const page = await h.signedInPage(ADMIN_KEY, { lang: 'en' });
    const row = page.locator('tbody tr', { hasText: to });
    await expect
      .poll(
        async () => {
          await page.goto('/outbox');
          return row.count();
        },
        { timeout: 30_000, interval: 1000 },
      )
      .toBe(1);
    await h.screenshot(page, 'outbox-1280');
    await Promise.all([page.waitForURL('**/outbox/*'), row.getByRole('link').click()]);
    const subject = await page.getByTestId('subject').textContent();
    expect(subject?.length).toBeGreaterThan(0);
    // The HTML part in a sandboxed frame, with the lead's name as the template put it.
    const frame = page.frameLocator('iframe[sandbox]');
    expect(await frame.locator('body').textContent()).toContain('鈴木一郎');
    expect(await h.screenshotBothWidths(page, 'outbox-message')).toBeLessThanOrEqual(0);
    await page.close();
  });

  it('lets an integration key see neither the DM desk controls nor complete tasks through a forged form', async () => {
    const page = await h.signedInPage(await h.keyFor('integration'), { lang: 'en' });
    expect(
      await page.getByRole('navigation', { name: 'Main menu' }).getByRole('link', { name: 'DM tasks' }).count(),
    ).toBe(0);
    const csrf = await page.locator('input[name="_csrf"]').first().inputValue();
    const forged = await page.request.post('/dm-tasks/complete', {
      form: { _csrf: csrf, ids: leadIds[0] ?? '' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    await page.close();
  });
});
