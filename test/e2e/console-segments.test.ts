import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';
import { ADMIN_KEY, auth } from '../support/services.ts';
import { insertBulkAction } from '../../db/repositories/bulk-actions.ts';

// Segments in a browser: the lead list's filter saved as a segment, its count on the
// segments page, and a bulk action on its leads through the confirmation that names the
// count to the progress view that follows the run to its end; in Japanese and English,
// and at a phone's width.

describe('console in a browser: segments and bulk actions', () => {
  let h: ConsoleHarness;
  const run = randomUUID().slice(0, 8);

  /** The tags and owners of the leads whose email carries `marker`, as the API answers them. */
  const leadsOf = async (marker: string) =>
    (await h.app.inject({ method: 'GET', url: `/v1/leads?q=${marker}`, headers: auth })).json<{
      items: { id: string; tags: string[]; profile: { ownerEmail: string | null } }[];
    }>().items;

  beforeAll(async () => {
    h = await startConsoleHarness();
    for (const [marker, names] of [
      [`ja${run}`, ['佐藤', '鈴木', '高橋']],
      [`en${run}`, ['Smith', 'Jones']],
    ] as const) {
      for (const [i, name] of names.entries()) {
        const res = await h.app.inject({
          method: 'POST',
          url: '/v1/leads',
          headers: auth,
          payload: { email: `seg-${i}-${marker}@example.jp`, name, company: '株式会社テスト' },
        });
        expect(res.statusCode).toBe(201);
      }
    }
  }, 300_000);
  afterAll(async () => h?.stop());

  it('saves the lead list’s filter as a segment, shows its count, and adds a tag to its leads after a confirmation naming the count, in Japanese', async () => {
    const page = await h.signedInPage(ADMIN_KEY);
    await page.goto(`/leads?q=ja${run}&stage=nurturing`);
    await page.getByText('この絞り込みをセグメントとして保存').click();
    await page.getByLabel('セグメント名').fill(`VIP候補 ${run}`);
    await page.getByRole('button', { name: '保存する' }).click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}\?done=saved$/);
    expect(await page.locator('dd[data-count]').textContent()).toBe('3');
    // The filter became the segment's query, said in words.
    const words = await page.locator('[data-query] li').allTextContents();
    expect(words).toEqual(['ステージが 育成', `名前・会社・メールに「ja${run}」を含む`]);
    expect(await page.locator('tr[data-lead-id]').count()).toBe(3);

    await page.goto('/segments');
    const card = page.locator('li[data-segment-id]', { hasText: `VIP候補 ${run}` });
    expect(await card.locator('[data-count]').textContent()).toBe('3');
    expect(await card.locator('svg.chart').count()).toBe(1);
    expect(await h.screenshotBothWidths(page, 'segments-ja')).toBeLessThanOrEqual(0);

    await card.getByRole('link', { name: `VIP候補 ${run}` }).click();
    await page.getByLabel('操作', { exact: true }).selectOption('add_tag');
    await page.getByLabel('タグ', { exact: true }).fill('ＶＩＰ');
    await page.getByRole('button', { name: '確認へ進む' }).click();
    expect(await page.locator('[data-confirm-text]').textContent()).toBe('3件のリードにタグ「vip」を追加します');
    // Nothing has changed before the confirmation.
    expect((await leadsOf(`ja${run}`)).every((l) => !l.tags.includes('vip'))).toBe(true);
    await page.getByRole('button', { name: '実行する' }).click();
    await page.waitForURL(/\/bulk-actions\/[0-9a-f-]{36}$/);
    // The progress view reloads itself (htmx) until the run has ended.
    await page.locator('[data-state="completed"]').waitFor({ timeout: 120_000 });
    expect(await page.locator('[data-done]').textContent()).toBe('3');
    expect(await page.locator('[data-total]').textContent()).toBe('3');
    expect(await page.getByRole('button', { name: '中止' }).count()).toBe(0);
    expect((await leadsOf(`ja${run}`)).map((l) => l.tags)).toEqual([['vip'], ['vip'], ['vip']]);
    expect(await h.screenshotBothWidths(page, 'bulk-action-ja')).toBeLessThanOrEqual(0);
    await page.context().close();
  });

  it('sets the owner of a segment’s leads after “Change the owner of 2 leads”, in English, at a phone’s width', async () => {
    const page = await h.signedInPage(ADMIN_KEY, { lang: 'en', mobile: true });
    await page.goto(`/leads?q=en${run}`);
    await page.getByText('Save this filter as a segment').click();
    await page.getByLabel('Segment name').fill(`Smith and Jones ${run}`);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\/segments\/[0-9a-f-]{36}\?done=saved$/);
    expect(await page.locator('dd[data-count]').textContent()).toBe('2');
    await page.getByLabel('Action', { exact: true }).selectOption('set_owner');
    await page.getByLabel(/Owner email/).fill('rep@example.jp');
    await page.getByRole('button', { name: 'Review' }).click();
    expect(await page.locator('[data-confirm-text]').textContent()).toBe('Change the owner of 2 leads');
    await page.getByRole('button', { name: 'Run' }).click();
    await page.waitForURL(/\/bulk-actions\/[0-9a-f-]{36}$/);
    await page.locator('[data-state="completed"]').waitFor({ timeout: 120_000 });
    expect(await page.locator('[data-done]').textContent()).toBe('2');
    expect((await leadsOf(`en${run}`)).map((l) => l.profile.ownerEmail)).toEqual(['rep@example.jp', 'rep@example.jp']);
    expect(Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'))).toBeLessThanOrEqual(
      0,
    );
    await h.screenshot(page, 'bulk-action-en-390');
    await page.goto('/segments');
    expect(Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'))).toBeLessThanOrEqual(
      0,
    );
    await h.screenshot(page, 'segments-en-390');
    await page.context().close();

    // A sales rep reads segments and their leads, but is offered neither saving nor acting.
    const rep = await h.signedInPage(await h.keyFor('sales'), { lang: 'en' });
    await rep.goto(`/leads?q=en${run}`);
    expect(await rep.getByText('Save this filter as a segment').count()).toBe(0);
    await rep.goto('/segments');
    await rep.getByRole('link', { name: `Smith and Jones ${run}` }).click();
    expect(await rep.locator('tr[data-lead-id]').count()).toBe(2);
    expect(await rep.getByRole('region', { name: 'Bulk action' }).count()).toBe(0);
    expect(await rep.getByRole('button', { name: 'Review' }).count()).toBe(0);
    await rep.context().close();
  });

  it('follows a running bulk action in place until it is cancelled, then stops refreshing', async () => {
    // A recorded action whose workflow was never started: its progress moves only when this test moves it.
    const id = await insertBulkAction(h.pool, {
      segment: undefined,
      leadIds: [randomUUID()],
      action: 'pause',
      params: {},
      requestedBy: 'e2e',
    });
    const page = await h.signedInPage(ADMIN_KEY, { lang: 'en' });
    await page.goto(`/bulk-actions/${id}`);
    expect(await page.locator('[data-state]').getAttribute('data-state')).toBe('pending');
    await page.evaluate('window.sameDocument = true');
    await h.pool.query("UPDATE bulk_actions SET state = 'running' WHERE id = $1", [id]);
    // htmx swaps the progress block in place: the document is the same one, not a reload.
    await page.locator('[data-state="running"]').waitFor({ timeout: 30_000 });
    expect(await page.evaluate('window.sameDocument')).toBe(true);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('[data-state="cancelled"]').waitFor();
    expect(await page.getByRole('button', { name: 'Cancel' }).count()).toBe(0);
    expect(await page.locator('#progress[hx-trigger]').count()).toBe(0);
    await page.context().close();
  });
});
