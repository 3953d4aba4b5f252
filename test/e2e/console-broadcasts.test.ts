import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';
import { ADMIN_KEY, auth, mailTo, stack, waitFor } from '../support/services.ts';

// Broadcasts in a browser: from the lead list's current filter to a preview with rendered
// subjects, a test send, the confirmation naming the count, and the broadcast's page with
// its progress, pause and cancel; in Japanese and English, and at a phone's width.

describe('console in a browser: broadcasts', () => {
  let h: ConsoleHarness;
  const run = randomUUID().slice(0, 6);

  beforeAll(async () => {
    h = await startConsoleHarness({ config: { smtpUrl: stack().smtpUrl } });
    const template = await h.app.inject({
      method: 'PUT',
      url: '/v1/templates/e2e-seminar',
      headers: auth,
      payload: {
        subject: 'セミナー案内 {{lead.name}} 様',
        mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>ご案内</mj-text></mj-column></mj-section></mj-body></mjml>',
      },
    });
    expect(template.statusCode).toBe(201);
    const cadence = await h.app.inject({
      method: 'PUT',
      url: '/v1/cadences/e2e-quiet',
      headers: auth,
      payload: {
        name: 'Quiet',
        nurture: { steps: [{ after: 'P2M', channel: 'email', template: 'e2e-seminar' }] },
        sendWindow: null,
      },
    });
    expect(cadence.statusCode).toBe(201);
    for (const name of ['佐藤', '鈴木', '高橋']) {
      const res = await h.app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email: `e2e-bc-${name.codePointAt(0)}-${run}@example.jp`, name, cadence: 'e2e-quiet' },
      });
      expect(res.statusCode).toBe(201);
    }
  }, 300_000);
  afterAll(async () => h?.stop());

  it('schedules a broadcast to the lead list’s filter after a preview, a test send and a confirmation naming the count, in Japanese', async () => {
    const page = await h.signedInPage(ADMIN_KEY);
    await page.goto('/leads?cadence=e2e-quiet');
    await page.getByRole('link', { name: 'この絞り込みのリードに一斉配信' }).click();
    await page.getByLabel('名前').fill('12月セミナー案内');
    await page.getByLabel('テンプレート').selectOption('e2e-seminar');
    await page.getByRole('radio', { name: /リード一覧の現在の絞り込み: 3 件のリード/ }).check();
    await page.getByRole('button', { name: 'プレビュー' }).click();
    expect(await page.locator('[data-recipient-count]').textContent()).toBe('3');
    expect(await page.getByRole('cell', { name: 'セミナー案内 佐藤 様' }).count()).toBe(1);

    await page.getByLabel('テスト送信先').fill('qa@example.jp');
    await page.getByRole('button', { name: 'テスト送信' }).click();
    expect(await page.locator('.notice').first().textContent()).toContain('テストメールを送信しました');
    const test = await waitFor(async () => (await mailTo('qa@example.jp')).at(-1), 'the test email');
    expect(test.subject).toMatch(/^\[TEST\] セミナー案内/);

    await page.getByRole('button', { name: 'プレビュー' }).click();
    let asked = '';
    page.once('dialog', (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await page.getByRole('button', { name: '3 件のリードに配信を予約する' }).click();
    await page.waitForURL(/\/broadcasts\/[0-9a-f-]{36}$/);
    expect(asked).toBe('3件のリードに配信します。よろしいですか？');
    // The page shows the progress as the leads' workflows send.
    await waitFor(async () => {
      await page.reload();
      return (await page.locator('[data-progress] td').nth(3).textContent()) === '3';
    }, 'three emails sent');
    expect(await page.locator('[data-report] td').first().textContent()).toBe('3');
    // Each lead's timeline shows the broadcast, linked to its page.
    const first = (await h.app.inject({ method: 'GET', url: '/v1/leads?cadence=e2e-quiet', headers: auth })).json<{
      items: { id: string }[];
    }>().items[0];
    await page.goto(`/leads/${first?.id}/timeline`);
    expect(await page.locator('li[data-kind="broadcast_sent"] a').textContent()).toBe('12月セミナー案内');
    await page.goto('/broadcasts');
    expect(await page.getByRole('link', { name: '12月セミナー案内' }).count()).toBe(1);
    expect(await h.screenshotBothWidths(page, 'broadcasts-ja')).toBeLessThanOrEqual(0);
    await page.context().close();
  });

  it('pauses, resumes and cancels a scheduled broadcast from its page, in English, at a phone’s width', async () => {
    const leads = await h.app.inject({ method: 'GET', url: '/v1/leads?cadence=e2e-quiet', headers: auth });
    const ids = leads.json<{ items: { id: string }[] }>().items.map((i) => i.id);
    const created = await h.app.inject({
      method: 'POST',
      url: '/v1/broadcasts',
      headers: auth,
      payload: {
        name: 'Next year',
        template: 'e2e-seminar',
        leadIds: ids,
        sendAt: new Date(Date.now() + 86_400_000).toISOString(),
      },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json<{ id: string }>().id;
    const page = await h.signedInPage(ADMIN_KEY, { lang: 'en', mobile: true });
    await page.goto(`/broadcasts/${id}`);
    expect(await page.locator('[data-state]').textContent()).toBe('Scheduled');
    await page.getByRole('button', { name: 'Pause' }).click();
    expect(await page.locator('[data-state]').textContent()).toBe('Paused');
    await page.getByRole('button', { name: 'Resume' }).click();
    expect(await page.locator('[data-state]').textContent()).toBe('Scheduled');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('[data-state]').textContent()).toBe('Cancelled');
    expect(await page.getByRole('button', { name: 'Resume' }).count()).toBe(0);
    await h.screenshot(page, 'broadcast-en-390');
    await page.context().close();
  });
});
