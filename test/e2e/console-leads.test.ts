import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, auth, mailTo, waitFor } from '../support/services.ts';
import { postGenericCrmEvent } from '../support/generic-crm.ts';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';

const TEMPLATE = {
  subject: '{{lead.name}} 様へ: はじめてのご案内',
  mjml: `<mjml><mj-body><mj-section><mj-column>
<mj-text>{{lead.company}} {{lead.name}} 様</mj-text>
<mj-text>E2E welcome body</mj-text>
</mj-column></mj-section></mj-body></mjml>`,
};
const CADENCE = {
  name: 'E2E quick',
  nurture: {
    steps: [
      { after: 'PT1S', channel: 'email', template: 'e2e-welcome' },
      { after: 'P30D', channel: 'email', template: 'e2e-welcome' },
    ],
  },
};
const POLL = { timeout: 30_000, interval: 250 };

interface LeadJson {
  id: string;
  stage: string;
  paused: boolean;
  profile: { ownerEmail: string | null };
}

describe('console leads pages in a browser', () => {
  let h: ConsoleHarness;
  const lead = async (id: string) =>
    (await h.app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<LeadJson>();
  const createLead = async (payload: Record<string, string>) =>
    (
      await h.app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { cadence: 'e2e-quick', ...payload },
      })
    ).json<{ id: string }>().id;
  const overflow = (page: Page) => page.evaluate('document.documentElement.scrollWidth - window.innerWidth');

  beforeAll(async () => {
    h = await startConsoleHarness();
    expect(
      (await h.app.inject({ method: 'PUT', url: '/v1/templates/e2e-welcome', headers: auth, payload: TEMPLATE }))
        .statusCode,
    ).toBe(201);
    expect(
      (await h.app.inject({ method: 'PUT', url: '/v1/cadences/e2e-quick', headers: auth, payload: CADENCE }))
        .statusCode,
    ).toBe(201);
  });
  afterAll(async () => h.stop());

  it('creates a lead through the form and shows its first email appearing in the timeline, without a reload', async () => {
    const page = await h.signedInPage(await h.keyFor('marketer'), { lang: 'en' });
    await page.goto('/leads');
    await page.getByText('New lead').click();
    // The API's refusal comes back beside the field, with what was typed kept.
    await page.locator('#new-email').fill('not-an-email');
    await page.locator('#new-name').fill('Watanabe Mika');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Create lead' }).click()]);
    expect(await page.locator('#new-email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#new-email-error').textContent()).toMatch(/pattern/);
    expect(await page.locator('#new-name').inputValue()).toBe('Watanabe Mika');

    await page.locator('#new-email').fill('mika.watanabe@example.jp');
    await page.locator('#new-company').fill('Watanabe Trading');
    await page.locator('#new-owner').fill('rep.one@example.jp');
    await page.locator('#new-cadence').fill('e2e-quick');
    await page.locator('#new-locale').selectOption('ja');
    await Promise.all([
      page.waitForURL(/\/leads\/[0-9a-f-]{36}\?done=created$/),
      page.getByRole('button', { name: 'Create lead' }).click(),
    ]);
    expect(await page.locator('h1').textContent()).toBe('Watanabe Trading Watanabe Mika');
    expect(await page.locator('.notice.ok').textContent()).toContain('Lead created');
    const navigations: string[] = [];
    page.on('framenavigated', (frame) => {
      if (frame === page.mainFrame()) navigations.push(frame.url());
    });

    // The worker sends the first step after a second; the open page shows it by polling.
    await expect.poll(() => page.locator('#timeline li[data-kind="email_sent"]').count(), POLL).toBe(1);
    expect(navigations).toEqual([]);
    expect(await page.locator('#timeline li[data-kind="email_sent"]').textContent()).toContain(
      'Watanabe Mika 様へ: はじめてのご案内',
    );
    await expect.poll(() => page.locator('[data-field="next-touch"]').textContent(), POLL).not.toBe('—');
    await page.locator('#timeline li[data-kind="email_sent"] summary').first().click();
    const content = page.frameLocator('#timeline li[data-kind="email_sent"] iframe').locator('body');
    await expect.poll(() => content.textContent(), POLL).toContain('E2E welcome body');
    expect(await content.textContent()).toContain('Watanabe Trading Watanabe Mika 様');
    const [mail] = await mailTo('mika.watanabe@example.jp');
    expect(mail?.subject).toBe('Watanabe Mika 様へ: はじめてのご案内');
    // The opened email stays open through the next polls.
    await page.waitForTimeout(3500);
    expect(
      await page.locator('#timeline li[data-kind="email_sent"] details.email-content').getAttribute('open'),
    ).not.toBeNull();
    await h.screenshot(page, 'lead-page-1280');
    await page.close();

    const phone = await h.signedInPage(await h.keyFor('marketer'), { lang: 'ja', mobile: true });
    await phone.goto(navigations.length === 0 ? page.url() : (navigations[0] as string));
    await phone.locator('#timeline li[data-kind="email_sent"] summary').first().click();
    await h.screenshot(phone, 'lead-page-390');
    expect(await overflow(phone)).toBeLessThanOrEqual(0);
    await phone.close();
  });

  it("lists a lead's deals with their kind and stage history, in Japanese and English", async () => {
    const id = await createLead({ email: 'deals.e2e@example.jp', name: '商談 太郎', company: '商談商事' });
    let n = 0;
    const crm = async (type: string, data: Record<string, unknown>) => {
      const res = await postGenericCrmEvent(h.app, {
        id: `e2e-deal-${n++}`,
        type,
        occurredAt: new Date().toISOString(),
        data: { leadId: id, ...data },
      });
      expect(res.statusCode).toBe(200);
    };
    await crm('deal.stage_changed', { dealId: 'e-1', stage: 'Proposal', amount: 800000 });
    await crm('deal.won', { dealId: 'e-1', stage: 'Closed Won' });
    await waitFor(async () => (await lead(id)).stage === 'customer', 'the customer stage');
    await crm('deal.stage_changed', { dealId: 'e-2', stage: 'Qualification', amount: 200000 });
    await waitFor(async () => {
      const deals = (await h.app.inject({ method: 'GET', url: `/v1/leads/${id}/deals`, headers: auth })).json<{
        items: unknown[];
      }>();
      return deals.items.length === 2;
    }, 'the upsell deal');

    const page = await h.signedInPage(await h.keyFor('marketer'), { lang: 'ja' });
    await page.goto(`/leads/${id}#deals`);
    const rows = page.locator('#deals tbody tr');
    expect(await rows.count()).toBe(2);
    expect(await rows.nth(0).getAttribute('data-kind')).toBe('upsell');
    expect(await rows.nth(0).locator('td').first().textContent()).toBe('アップセル');
    expect(await rows.nth(1).locator('td').nth(1).textContent()).toBe('受注');
    const history = rows.nth(1).locator('details');
    expect(await history.locator('ol li').first().isVisible()).toBe(false);
    await history.locator('summary').click();
    expect(await history.locator('ol li').count()).toBe(3);
    expect(await history.locator('ol li').last().textContent()).toContain('受注 · Closed Won');
    expect(await overflow(page)).toBeLessThanOrEqual(0);

    const en = await h.signedInPage(await h.keyFor('sales'), { lang: 'en' });
    await en.goto(`/leads/${id}`);
    expect(await en.locator('#deals-h').textContent()).toBe('Deals');
    expect(await en.locator('#deals tbody tr').first().locator('td').first().textContent()).toBe('upsell');
    expect(await en.locator('#deals tbody tr').nth(1).locator('td').nth(3).textContent()).toBe('¥800,000');
  });

  it('searches and filters the list, a page at a time', async () => {
    for (let i = 0; i < 27; i++)
      await createLead({ email: `bulk${i}@search.example.jp`, company: `Bulk ${i} KK`, name: `Bulk ${i}` });
    await createLead({ email: 'unique.kiyoshi@example.jp', company: 'Kiyoshi Seisakusho', name: 'Kiyoshi Ito' });
    const page = await h.signedInPage(ADMIN_KEY, { lang: 'en' });
    await page.goto('/leads');
    await page.locator('#q').fill('kiyoshi');
    await Promise.all([page.waitForURL(/q=kiyoshi/), page.getByRole('button', { name: 'Filter' }).click()]);
    const rows = page.locator('table.leads tbody tr');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain('Kiyoshi Seisakusho Kiyoshi Ito');

    // 27 matching leads: a page of 25, then the rest behind "Next page", filters kept.
    await page.locator('#q').fill('search.example.jp');
    await page.locator('#stage').selectOption('nurturing');
    await Promise.all([page.waitForURL(/q=search.example.jp/), page.getByRole('button', { name: 'Filter' }).click()]);
    expect(await rows.count()).toBe(25);
    await h.screenshot(page, 'leads-list-1280');
    const firstPage = await rows.allTextContents();
    await Promise.all([page.waitForURL(/cursor=/), page.getByRole('link', { name: 'Next page' }).click()]);
    expect(await rows.count()).toBe(2);
    expect(page.url()).toContain('stage=nurturing');
    expect(await page.getByRole('link', { name: 'Next page' }).count()).toBe(0);
    const all = [...firstPage, ...(await rows.allTextContents())];
    expect(new Set(all.map((r) => /bulk\d+@/.exec(r)?.[0])).size).toBe(27);

    // A bad score bound is shown beside its field.
    await page.goto('/leads?scoreMin=abc');
    expect(await page.locator('#scoreMin').getAttribute('aria-invalid')).toBe('true');
    await page.close();

    const phone = await h.signedInPage(ADMIN_KEY, { lang: 'ja', mobile: true });
    await phone.goto('/leads');
    expect(await overflow(phone)).toBeLessThanOrEqual(0);
    await h.screenshot(phone, 'leads-list-390');
    await phone.close();
  });

  it('pauses and resumes, changes the owner, moves the stage and marks do-not-contact', async () => {
    const id = await createLead({ email: 'actions@example.jp', name: 'Action Taro', ownerEmail: 'rep.one@example.jp' });
    const page = await h.signedInPage(await h.keyFor('marketer'), { lang: 'en' });
    await page.goto(`/leads/${id}`);
    const flags = page.locator('[data-field="flags"]');

    await Promise.all([page.waitForURL(/done=pause/), page.getByRole('button', { name: 'Pause' }).click()]);
    // The status refreshes itself once the workflow has taken the pause.
    await expect.poll(() => flags.textContent(), POLL).toBe('paused');
    expect((await lead(id)).paused).toBe(true);
    await Promise.all([page.waitForURL(/done=resume/), page.getByRole('button', { name: 'Resume' }).click()]);
    await expect.poll(() => flags.textContent(), POLL).toBe('active');
    expect((await lead(id)).paused).toBe(false);

    await page.locator('#ownerEmail').fill('not an email');
    await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Change owner' }).click()]);
    expect(await page.locator('#ownerEmail').getAttribute('aria-invalid')).toBe('true');
    expect((await lead(id)).profile.ownerEmail).toBe('rep.one@example.jp');
    await page.locator('#ownerEmail').fill('rep.two@example.jp');
    await Promise.all([page.waitForURL(/done=owner/), page.getByRole('button', { name: 'Change owner' }).click()]);
    expect(await page.locator('[data-field="owner"]').textContent()).toBe('rep.two@example.jp');
    expect((await lead(id)).profile.ownerEmail).toBe('rep.two@example.jp');
    expect(await page.locator('#timeline li[data-kind="owner_changed"]').count()).toBe(1);

    await page.locator('#move-stage').selectOption('deal');
    await page.locator('#move-reason').fill('asked for a quote');
    await Promise.all([page.waitForURL(/done=stage/), page.getByRole('button', { name: 'Move stage' }).click()]);
    await expect.poll(() => page.locator('[data-field="stage"] .badge').textContent(), POLL).toBe('Deal');
    expect((await lead(id)).stage).toBe('deal');
    await expect.poll(() => page.locator('#timeline li[data-kind="stage_changed"]').count(), POLL).toBeGreaterThan(0);

    // Do-not-contact asks first; dismissing it sends nothing.
    page.once('dialog', (dialog) => void dialog.dismiss());
    await page.getByRole('button', { name: 'Mark do-not-contact' }).click();
    expect(page.url()).toMatch(/done=stage/);
    page.once('dialog', (dialog) => void dialog.accept());
    await Promise.all([page.waitForURL(/done=dnc/), page.getByRole('button', { name: 'Mark do-not-contact' }).click()]);
    await expect.poll(() => flags.textContent(), POLL).toBe('do not contact');
    await page.close();
  });

  it('shows a sales rep no actions, and the server refuses a forged one with nothing changed', async () => {
    const id = await createLead({
      email: 'sales.view@example.jp',
      name: 'Sales View',
      ownerEmail: 'rep.one@example.jp',
    });
    const page = await h.signedInPage(await h.keyFor('sales'), { lang: 'en' });
    await page.goto(`/leads/${id}`);
    expect(await page.locator('h1').textContent()).toBe('Sales View');
    expect(await page.locator('main button').count()).toBe(0);
    expect(await page.locator('main form[method="post"]').count()).toBe(0);
    await page.goto('/leads');
    expect(await page.getByText('New lead').count()).toBe(0);
    expect(await page.locator('table.leads tbody tr').count()).toBeGreaterThan(0);

    const headers = JSON.parse((await page.locator('body').getAttribute('hx-headers')) ?? '{}') as Record<
      string,
      string
    >;
    const csrf = headers['x-csrf-token'] ?? '';
    for (const [path, form] of [
      ['pause', {}],
      ['owner', { ownerEmail: 'thief@example.jp' }],
      ['stage', { stage: 'closed' }],
      ['do-not-contact', {}],
    ] as const) {
      const forged = await page.request.post(`/leads/${id}/${path}`, {
        form: { _csrf: csrf, ...form },
        maxRedirects: 0,
      });
      expect(forged.status(), path).toBe(403);
      expect(await forged.text()).toContain('a sales key may not POST');
    }
    const newLead = await page.request.post('/leads', {
      form: { _csrf: csrf, email: 'e2e-forged@example.jp' },
      maxRedirects: 0,
    });
    expect(newLead.status()).toBe(403);
    const after = await lead(id);
    expect(after).toMatchObject({ stage: 'nurturing', paused: false, profile: { ownerEmail: 'rep.one@example.jp' } });
    const timeline = (await h.app.inject({ method: 'GET', url: `/v1/leads/${id}/timeline`, headers: auth })).json<{
      items: { kind: string }[];
    }>().items;
    expect(timeline.map((i) => i.kind)).not.toContain('owner_changed');
    expect(
      (await h.app.inject({ method: 'GET', url: '/v1/leads?q=forged', headers: auth })).json<{ items: unknown[] }>()
        .items,
    ).toHaveLength(0);
    await page.close();
  });
});
