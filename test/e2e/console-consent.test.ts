import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';
import { postMailgunInbound } from '../support/inbound-mail.ts';
import { auth, mailTo, waitFor } from '../support/services.ts';

// Consent records and replies as a marketer sees them: the consent line of a lead in both
// languages, the leads without a basis (linked from the dashboard while CONSENT_REQUIRED
// is off), and a reply on the timeline that paused the lead, beside an automatic answer
// that did not.
const MAILGUN_KEY = 'mailgun-signing-key-0123456789';
const TEMPLATE = {
  subject: 'セミナーのご案内',
  mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>ご案内</mj-text></mj-column></mj-section></mj-body></mjml>',
};
const CADENCE = {
  name: 'E2E consent',
  nurture: { steps: [{ after: 'PT1S', channel: 'email', template: 'e2e-consent' }] },
  sendWindow: null,
};
const CARD = {
  basis: 'business_card',
  source: '展示会 2026-11',
  at: '2026-11-20T10:00:00+09:00',
  evidence: 'card-0042',
};

describe('consent and replies in the console, in a browser', () => {
  let h: ConsoleHarness;
  const ids = new Map<string, string>();
  const id = (name: string) => ids.get(name)!;

  beforeAll(async () => {
    h = await startConsoleHarness({ config: { mailgunWebhookSigningKey: MAILGUN_KEY } });
    for (const [url, payload] of [
      ['/v1/templates/e2e-consent', TEMPLATE],
      ['/v1/cadences/e2e-consent', CADENCE],
    ] as const)
      expect((await h.app.inject({ method: 'PUT', url, headers: auth, payload })).statusCode).toBe(201);
    for (const [name, extra] of [
      ['carded', { name: '名刺 花子', consent: CARD }],
      ['bare', { name: '根拠 なし', company: '無記録商事' }],
      ['replier', { name: '返信 一郎', ownerEmail: 'rep.reply@example.jp' }],
      ['away', { name: '不在 二郎', ownerEmail: 'rep.reply@example.jp' }],
    ] as const) {
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email: `${name}@example.jp`, cadence: 'e2e-consent', ...extra },
      });
      expect(created.statusCode).toBe(201);
      ids.set(name, created.json<{ id: string }>().id);
    }
  });
  afterAll(async () => h.stop());

  it('shows a lead’s consent basis, source, date and evidence with its CSV record, in Japanese and English', async () => {
    const ja = await h.signedInPage(await h.keyFor('marketer'), { mobile: true, lang: 'ja' });
    await ja.goto(`/leads/${id('carded')}`);
    const line = ja.locator('[data-field="consent"]');
    expect(await line.textContent()).toMatch(/名刺交換 · 展示会 2026-11 · 2026\/11\/20.* · 証跡: card-0042/);
    expect(await line.getByRole('link', { name: '同意記録 (CSV)' }).getAttribute('href')).toBe(
      `/v1/leads/${id('carded')}/consent.csv`,
    );
    // The link downloads the record with the reader's session.
    const csv = await ja.request.get(`/v1/leads/${id('carded')}/consent.csv`);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain('business_card,展示会 2026-11,2026-11-20T10:00:00+09:00,card-0042');
    expect(Number(await ja.evaluate('document.documentElement.scrollWidth - window.innerWidth'))).toBeLessThanOrEqual(
      0,
    );
    await h.screenshot(ja, 'consent-lead-ja-390');

    await ja.goto(`/leads/${id('bare')}`);
    expect(await ja.locator('[data-field="consent"] .badge').textContent()).toBe('記録なし');
    // CONSENT_REQUIRED is off here: email goes, so nothing says it does not.
    expect(await ja.locator('[data-field="explain-consent"]').count()).toBe(0);

    const en = await h.signedInPage(await h.keyFor('marketer'), { mobile: true, lang: 'en' });
    await en.goto(`/leads/${id('carded')}`);
    expect(await en.locator('[data-field="consent"]').textContent()).toMatch(
      /business card · 展示会 2026-11 · 20 Nov 2026.* · evidence: card-0042/,
    );
    expect(await en.getByRole('link', { name: 'Consent record (CSV)' }).count()).toBe(1);
    await h.screenshot(en, 'consent-lead-en-390');
  });

  it('links the leads without a basis from the dashboard, with their count, and lists them', async () => {
    const page = await h.signedInPage(await h.keyFor('marketer'), { mobile: true, lang: 'en' });
    const card = page.getByTestId('consent-gaps');
    // Three of the four leads have no basis; CONSENT_REQUIRED is off, so they are still emailed.
    expect(await card.textContent()).toMatch(/Leads without a consent basis\s*3/);
    expect(await card.textContent()).toContain('still emailed');
    await Promise.all([
      page.waitForURL(/\/leads\/without-consent$/),
      card.getByRole('link', { name: 'Leads without a consent basis' }).click(),
    ]);
    expect(await page.getByTestId('without-basis-count').textContent()).toBe('3');
    const rows = page.getByTestId('leads-without-consent').locator('tbody tr');
    const listed = await Promise.all((await rows.all()).map((row) => row.getAttribute('data-lead-id')));
    expect(listed.sort()).toEqual([id('bare'), id('replier'), id('away')].sort());
    expect(await rows.filter({ hasText: '無記録商事' }).getByRole('link').getAttribute('href')).toBe(
      `/leads/${id('bare')}`,
    );
    expect(Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'))).toBeLessThanOrEqual(
      0,
    );
    await h.screenshot(page, 'consent-gaps-en-390');

    const ja = await h.signedInPage(await h.keyFor('marketer'), { mobile: true, lang: 'ja' });
    await ja.goto('/leads/without-consent');
    expect(await ja.locator('h1').textContent()).toContain('同意の根拠がないリード');
    expect(await ja.locator('main').textContent()).toContain('CONSENT_REQUIRED は無効です');
    await h.screenshot(ja, 'consent-gaps-ja-390');
  });

  it('shows a reply with its text on the timeline and the lead paused, and an automatic answer that paused nothing', async () => {
    const emailOf = async (name: string) =>
      waitFor(async () => (await mailTo(`${name}@example.jp`))[0], `the first email to ${name}`);
    const [toReplier, toAway] = await Promise.all([emailOf('replier'), emailOf('away')]);
    const answer = async (name: string, inReplyTo: string, subject: string, text: string, auto: boolean) =>
      (
        await postMailgunInbound(h.app, MAILGUN_KEY, {
          recipient: 'marketing@example.com',
          sender: `${name}@example.jp`,
          subject,
          'body-plain': text,
          'message-headers': JSON.stringify([
            ['From', `${name}@example.jp`],
            ['Subject', subject],
            ['Message-Id', `<${name}-answer@client.example.jp>`],
            ['In-Reply-To', inReplyTo],
            ...(auto ? [['Auto-Submitted', 'auto-replied']] : []),
          ]),
        })
      ).json<{ outcome: string }>().outcome;
    expect(
      await answer(
        'replier',
        toReplier.messageId!,
        'Re: セミナーのご案内',
        '参加します。\n日程を教えてください。',
        false,
      ),
    ).toBe('reply');
    expect(await answer('away', toAway.messageId!, '自動返信: 不在のお知らせ', '12月3日まで不在です。', true)).toBe(
      'auto_reply',
    );

    const page = await h.signedInPage(await h.keyFor('marketer'), { mobile: true, lang: 'ja' });
    await page.goto(`/leads/${id('replier')}`);
    const reply = page.locator('#timeline li[data-kind="reply_received"]');
    await reply.waitFor();
    expect(await reply.locator('.kind').textContent()).toBe('返信あり');
    expect(await reply.locator('.reply-text').textContent()).toBe('参加します。\n日程を教えてください。');
    expect(await reply.textContent()).toContain('Re: セミナーのご案内');
    expect(await page.locator('[data-field="flags"]').textContent()).toBe('一時停止中');
    expect(await page.getByRole('button', { name: '再開' }).count()).toBe(1);
    await h.screenshot(page, 'reply-timeline-ja-390');

    await page.goto(`/leads/${id('away')}`);
    const auto = page.locator('#timeline li[data-kind="auto_reply_received"]');
    await auto.waitFor();
    expect(await auto.locator('.kind').textContent()).toBe('自動返信 (スコア・停止なし)');
    expect(await auto.locator('.reply-text').textContent()).toBe('12月3日まで不在です。');
    expect(await page.locator('[data-field="flags"]').textContent()).not.toContain('一時停止中');
    expect(await page.getByRole('button', { name: '一時停止' }).count()).toBe(1);
    await h.screenshot(page, 'auto-reply-timeline-ja-390');
  });
});

describe('CONSENT_REQUIRED on, in a browser', () => {
  let h: ConsoleHarness;
  const ids = new Map<string, string>();
  const id = (name: string) => ids.get(name)!;

  beforeAll(async () => {
    h = await startConsoleHarness({ config: { consentRequired: true }, workerOptions: { consentRequired: true } });
    for (const [url, payload] of [
      ['/v1/templates/e2e-consent', TEMPLATE],
      ['/v1/cadences/e2e-consent', CADENCE],
    ] as const)
      expect((await h.app.inject({ method: 'PUT', url, headers: auth, payload })).statusCode).toBe(201);
    for (const [name, extra] of [
      ['required-carded', { consent: CARD }],
      ['required-bare', {}],
    ] as const) {
      const created = await h.app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email: `${name}@example.jp`, cadence: 'e2e-consent', ...extra },
      });
      expect(created.statusCode).toBe(201);
      ids.set(name, created.json<{ id: string }>().id);
    }
  });
  afterAll(async () => h.stop());

  it('says on the lead page why a lead without a basis gets no email, and says nothing for a lead with one', async () => {
    // The email step came due: the lead with a basis got it, the other did not.
    await waitFor(
      async () => (await mailTo('required-carded@example.jp')).length === 1,
      'the email to the carded lead',
    );
    const ja = await h.signedInPage(await h.keyFor('marketer'), { mobile: true, lang: 'ja' });
    await ja.goto(`/leads/${id('required-bare')}`);
    expect(await ja.locator('[data-field="explain-consent"]').textContent()).toBe(
      'メールは送りません：同意の根拠が記録されていないためです（CONSENT_REQUIRED が有効）。DM とタスクは続きます。根拠を登録するとメールも再開します。',
    );
    await h.screenshot(ja, 'consent-required-lead-ja-390');
    await ja.goto(`/leads/${id('required-carded')}`);
    expect(await ja.locator('[data-field="explain-consent"]').count()).toBe(0);

    const en = await h.signedInPage(await h.keyFor('marketer'), { lang: 'en' });
    await en.goto(`/leads/${id('required-bare')}`);
    expect(await en.locator('[data-field="explain-consent"]').textContent()).toBe(
      'No email: no consent basis is on record (CONSENT_REQUIRED is on). DM and tasks go on; email resumes once a basis is recorded.',
    );
    expect(await mailTo('required-bare@example.jp')).toHaveLength(0);
  });
});
