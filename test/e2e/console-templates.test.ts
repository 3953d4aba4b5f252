import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';
import { ADMIN_KEY, mailTo, stack, waitFor } from '../support/services.ts';

// Line 5 carries an attribute MJML does not know: strict validation names that line.
const BROKEN_MJML =
  '<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-text colour="red">Hello</mj-text>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>';
const MJML =
  '<mjml>\n  <mj-body>\n    <mj-section>\n      <mj-column>\n        <mj-text>Dear {{lead.name}} of {{lead.company}}, welcome aboard.</mj-text>\n      </mj-column>\n    </mj-section>\n  </mj-body>\n</mjml>';

const csrfOf = async (page: Page) =>
  (await page.locator('form.sign-out input[name="_csrf"]').getAttribute('value')) ?? '';
const previewSubject = (page: Page) => page.locator('[data-testid="preview-subject"]').textContent();

describe('console templates in a browser: list, editor with live preview, save, test send, roles', () => {
  let h: ConsoleHarness;
  beforeAll(async () => {
    h = await startConsoleHarness({ config: { smtpUrl: stack().smtpUrl } });
  });
  afterAll(async () => h.stop());

  it('lists marketing templates apart from rep notices and shared pieces, at desktop and phone widths', async () => {
    const page = await h.signedInPage(ADMIN_KEY, { lang: 'en' });
    await page.goto('/templates');
    expect(await page.locator('h1').textContent()).toBe('Templates');
    const group = (name: string) =>
      page
        .locator('table', { has: page.locator('tbody') })
        .filter({ has: page.locator(`[data-template-key="${name}"]`) });
    const marketing = page.locator('table[aria-labelledby="group-email"]');
    expect(await marketing.locator('[data-template-key="nurture-intro"]').count()).toBe(1);
    expect(await marketing.locator('[data-template-key^="notice-"]').count()).toBe(0);
    expect(await marketing.locator('[data-template-key^="_"]').count()).toBe(0);
    expect(await group('notice-sales-escalation').getAttribute('aria-labelledby')).toBe('group-notice');
    expect(await group('_layout-email').getAttribute('aria-labelledby')).toBe('group-layout');
    // Each language's newest version, and the subject in the reader's language.
    const intro = marketing.locator('[data-template-key="nurture-intro"]');
    const newest = await h.pool.query<{ locale: string; version: number; subject: string }>(
      "SELECT DISTINCT ON (locale) locale, version, subject FROM templates WHERE key = 'nurture-intro' ORDER BY locale, version DESC",
    );
    expect((await intro.locator('a.badge').allTextContents()).sort()).toEqual(
      newest.rows.map((r) => `${r.locale} v${r.version}`).sort(),
    );
    expect(await intro.locator('td').nth(1).textContent()).toBe(newest.rows.find((r) => r.locale === 'en')?.subject);
    expect(await page.locator('#new-key').count()).toBe(1);
    await h.screenshot(page, 'templates-list-1280');
    await page.close();

    const phone = await h.signedInPage(ADMIN_KEY, { mobile: true });
    await phone.goto('/templates');
    expect(await phone.locator('h1').textContent()).toBe('テンプレート');
    expect(await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await h.screenshot(phone, 'templates-list-390');
    await phone.close();
  });

  it('creates a template whose preview follows the typing, shows MJML errors by line, saves version 1 and sends a test', async () => {
    const page = await h.signedInPage(await h.keyFor('marketer'), { lang: 'en' });
    await page.goto('/templates');
    await page.locator('#new-key').fill('e2e-welcome');
    await page.locator('#new-locale').selectOption('en');
    await Promise.all([
      page.waitForURL('**/templates/e2e-welcome?locale=en'),
      page.getByRole('button', { name: 'Create and edit' }).click(),
    ]);
    expect(await page.locator('#versions + p').textContent()).toBe('Not saved yet');

    // Nothing is submitted while typing: a value set on the window survives only without a page load.
    await page.evaluate('window.stillHere = true');
    await page.locator('#sample-name').fill('Hanako Test');
    await page.locator('#subject').pressSequentially('Hello {{lead.name}}', { delay: 15 });
    await page.locator('#mjml').fill(MJML);
    await expect.poll(() => previewSubject(page), { timeout: 10_000 }).toBe('Hello Hanako Test');
    await expect
      .poll(() => page.frameLocator('#preview iframe').locator('body').textContent(), { timeout: 10_000 })
      .toContain('Dear Hanako Test of Example Trading Inc., welcome aboard.');
    expect(await page.locator('[data-testid="preview-text"]').textContent()).toContain('Hanako Test');
    await page.locator('#sample-company').fill('Kabushiki Test');
    await expect
      .poll(() => page.frameLocator('#preview iframe').locator('body').textContent(), { timeout: 10_000 })
      .toContain('of Kabushiki Test');
    expect(await page.evaluate('window.stillHere')).toBe(true);
    expect(page.url()).toMatch(/\/templates\/e2e-welcome\?locale=en$/);

    // An unknown variable is a warning beside the editor, not an error.
    await page.locator('#subject').fill('Hello {{lead.nickname}}');
    await expect
      .poll(() => page.locator('[data-testid="preview-warnings"]').textContent(), { timeout: 10_000 })
      .toContain('lead.nickname');
    await page.locator('#subject').fill('Hello {{lead.name}}');

    // An MJML error is shown with its line while typing, and beside the field when saving.
    await page.locator('#mjml').fill(BROKEN_MJML);
    await expect
      .poll(() => page.locator('[data-testid="preview-problems"]').textContent(), { timeout: 10_000 })
      .toContain('MJML line 5');
    await Promise.all([
      page.waitForLoadState('load'),
      page.getByRole('button', { name: 'Save as a new version' }).click(),
    ]);
    await expect.poll(() => page.locator('#mjml-error').textContent()).toContain('line 5');
    expect(await page.locator('#mjml').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#mjml').inputValue()).toBe(BROKEN_MJML);
    expect((await h.pool.query("SELECT 1 FROM templates WHERE key = 'e2e-welcome'")).rowCount).toBe(0);

    await page.locator('#mjml').fill(MJML);
    await Promise.all([
      page.waitForURL('**/templates/e2e-welcome?locale=en&saved=1'),
      page.getByRole('button', { name: 'Save as a new version' }).click(),
    ]);
    expect(await page.locator('.notice.ok').textContent()).toContain('Saved as version 1');
    expect(await page.locator('tr[data-version="1"] td').first().textContent()).toBe('Hello {{lead.name}}');
    const stored = await h.pool.query<{ version: number; locale: string; subject: string }>(
      "SELECT version, locale, subject FROM templates WHERE key = 'e2e-welcome'",
    );
    expect(stored.rows).toEqual([{ version: 1, locale: 'en', subject: 'Hello {{lead.name}}' }]);
    await h.screenshot(page, 'template-editor-1280');

    // The mobile toggle narrows the preview in place (no page load), and back.
    await page.getByRole('button', { name: 'Mobile' }).click();
    expect(await page.locator('#preview-frame').getAttribute('class')).toContain('mobile');
    expect((await page.locator('#preview iframe').boundingBox())?.width).toBeLessThanOrEqual(390);
    expect(await page.getByRole('button', { name: 'Mobile' }).getAttribute('aria-pressed')).toBe('true');
    expect(page.url()).toMatch(/saved=1$/);
    await h.screenshot(page, 'template-editor-mobile-preview-1280');
    await page.getByRole('button', { name: 'Desktop' }).click();
    expect((await page.locator('#preview iframe').boundingBox())?.width).toBeGreaterThan(390);

    // The test send takes the saved version with the sample lead's values.
    await page.locator('#sample-name').fill('Hanako Test');
    await page.locator('#to').fill('template-check@example.com');
    await Promise.all([page.waitForURL('**sent=**'), page.locator('#to').press('Enter')]);
    expect(await page.locator('.notice.ok').textContent()).toContain('Test email sent to template-check@example.com');
    const [mail] = await waitFor(async () => {
      const mails = await mailTo('template-check@example.com');
      return mails.length > 0 && mails;
    }, 'the test email');
    expect(mail?.subject).toBe('[TEST] Hello Hanako Test');
    expect(mail?.text).toContain('Dear Hanako Test of Example Trading Inc., welcome aboard.');
    await page.close();
  });

  it('re-renders the whole page with the preview when the form is posted without JavaScript', async () => {
    const page = await h.signedInPage(ADMIN_KEY, { lang: 'en' });
    await page.goto('/templates/nurture-intro?locale=en');
    const res = await page.request.post('/templates/nurture-intro/preview?locale=en', {
      form: {
        _csrf: await csrfOf(page),
        subject: 'Plain {{lead.name}}',
        mjml: MJML,
        sample_name: 'No Script',
        width: 'mobile',
      },
    });
    expect(res.status()).toBe(200);
    const body = await res.text();
    expect(body).toContain('<h1>Edit template: nurture-intro</h1>');
    expect(body).toContain('<strong data-testid="preview-subject">Plain No Script</strong>');
    expect(body).toContain('class="preview-box mobile"');
    await page.close();

    const phone = await h.signedInPage(ADMIN_KEY, { mobile: true });
    await phone.goto('/templates/nurture-intro?locale=ja');
    await phone.getByRole('button', { name: 'スマートフォン' }).click();
    expect(await phone.evaluate('document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(0);
    await h.screenshot(phone, 'template-editor-390');
    await phone.close();
  });

  it('shows sales and integration keys no editing controls, and their forged posts are refused with nothing stored', async () => {
    for (const role of ['sales', 'integration'] as const) {
      const page = await h.signedInPage(await h.keyFor(role), { lang: 'en' });
      const list = await page.goto('/templates');
      expect(list?.status()).toBe(403);
      const editor = await page.goto('/templates/nurture-intro?locale=en');
      expect(editor?.status()).toBe(403);
      expect(
        await page.locator('#template-form, #new-key, [data-action="save"], [data-action="test-send"]').count(),
      ).toBe(0);
      const csrf = await csrfOf(page);
      const form = { _csrf: csrf, subject: 'Forged', mjml: MJML, to: 'forged@example.com' };
      expect((await page.request.post(`/templates/forged-${role}?locale=en`, { form })).status()).toBe(403);
      expect((await page.request.post(`/templates/nurture-intro/test-send?locale=en`, { form })).status()).toBe(403);
      expect(
        (
          await page.request.post(`/templates/nurture-intro/preview?locale=en`, {
            form,
            headers: { 'hx-request': 'true' },
          })
        ).status(),
      ).toBe(403);
      await page.close();
    }
    expect(
      (await h.pool.query("SELECT 1 FROM templates WHERE key LIKE 'forged-%' OR subject = 'Forged'")).rowCount,
    ).toBe(0);
    expect(await mailTo('forged@example.com')).toEqual([]);
  });
});
