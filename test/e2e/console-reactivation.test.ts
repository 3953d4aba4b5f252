import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendGenericCrmEvent } from '../support/generic-crm.ts';
import { auth, waitFor } from '../support/services.ts';
import { startConsoleHarness, type ConsoleHarness } from '../support/browser.ts';

describe('the reactivation decision on the console lead page', () => {
  let h: ConsoleHarness;

  beforeAll(async () => {
    h = await startConsoleHarness();
  });
  afterAll(async () => h.stop());

  /** A lead the CRM reports won: a customer, whose reactivation a person may decide. */
  const customer = async (email: string): Promise<string> => {
    const created = await h.app.inject({ method: 'POST', url: '/v1/leads', headers: auth, payload: { email } });
    const id = created.json<{ id: string }>().id;
    const won = await sendGenericCrmEvent(h.app, 'deal.won', { leadId: id });
    expect(won.statusCode).toBe(200);
    await waitFor(
      async () =>
        (await h.app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{ stage: string }>()
          .stage === 'customer',
      'the lead to become a customer',
    );
    return id;
  };

  it('shows who decided, when and why, in Japanese and English, and the decision on the timeline', async () => {
    const id = await customer('decided-in-console@example.jp');
    const page = await h.signedInPage(await h.keyFor('marketer'), { lang: 'ja' });
    await page.goto(`/leads/${id}`);
    expect(await page.locator('#reactivation').textContent()).toContain('まだ判断されていません');

    const decided = await h.app.inject({
      method: 'POST',
      url: `/v1/leads/${id}/reactivation`,
      headers: auth,
      payload: { decision: 'resume', resumeAt: '2027-04-01', note: '新年度に予算化の見込み' },
    });
    expect(decided.statusCode).toBe(202);

    await page.goto(`/leads/${id}`);
    const card = page.locator('#reactivation');
    expect(await card.locator('[data-field="decision"]').textContent()).toBe('再営業する');
    expect(await card.locator('[data-field="note"]').textContent()).toBe('新年度に予算化の見込み');
    expect(await card.locator('[data-field="decided-by"]').textContent()).toBe('admin');
    expect(await card.textContent()).toContain('2027');
    expect(await page.locator('li[data-kind="reactivation_decided"] .kind').textContent()).toBe('再営業の判断');

    const en = await h.signedInPage(await h.keyFor('marketer'), { lang: 'en' });
    await en.goto(`/leads/${id}`);
    expect(await en.locator('#reactivation h2').textContent()).toBe('Reactivation decision');
    expect(await en.locator('#reactivation [data-field="decision"]').textContent()).toBe('Resume');
    expect(await en.locator('li[data-kind="reactivation_decided"] .kind').textContent()).toBe('Reactivation decided');
    await h.screenshot(en, 'lead-reactivation-decision');
  });
});
