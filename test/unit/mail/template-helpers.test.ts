import { describe, expect, it } from 'vitest';
import { compileTemplate, renderEmail, unknownVariables } from '../../../mail/render.ts';

const mjml = (body: string) =>
  `<mjml><mj-body><mj-section><mj-column><mj-text>${body}</mj-text></mj-column></mj-section></mj-body></mjml>`;
const render = async (body: string, lead: Record<string, unknown>) =>
  renderEmail(await compileTemplate({ subject: 's', mjml: mjml(body), locale: 'ja' }), { lead });

describe('template helpers', () => {
  it('adds 様 to a Japanese name and falls back to ご担当者 様 without one', async () => {
    expect((await render('{{sama lead.name}}', { name: '山田 花子', locale: 'ja' })).text).toContain('山田 花子 様');
    expect((await render('{{sama lead.name}}', { locale: 'ja' })).text).toContain('ご担当者 様');
  });

  it('writes no honorific for English leads', async () => {
    expect((await render('Dear {{sama lead.name}},', { name: 'Alex Smith', locale: 'en' })).text).toContain(
      'Dear Alex Smith,',
    );
  });

  it('escapes the name it honours', async () => {
    const { html } = await render('{{sama lead.name}}', { name: '<b>x</b>', locale: 'ja' });
    expect(html).toContain('&lt;b&gt;x&lt;/b&gt; 様');
  });

  it('writes dates in the lead language and time zone', async () => {
    // 2026-12-31T16:00Z is already New Year's Day in Tokyo.
    expect((await render('{{date "2026-12-31T16:00:00Z"}}', { locale: 'ja', timezone: 'Asia/Tokyo' })).text).toContain(
      '2027年1月1日',
    );
    expect(
      (await render('{{date "2026-12-31T16:00:00Z"}}', { locale: 'en', timezone: 'America/New_York' })).text,
    ).toContain('December 31, 2026');
  });
});

describe('unknownVariables', () => {
  it('reports a misspelt lead field and nothing a lead has', () => {
    expect(
      unknownVariables(
        '{{lead.nmae}} {{lead.name}} {{lead.postalAddress.city}} {{unsubscribeUrl}} {{sama lead.company}}',
      ),
    ).toEqual(['lead.nmae']);
  });

  it('does not take shared partials and layouts for variables', () => {
    expect(unknownVariables('{{#> _layout}}{{> _signature}}{{lead.nmae}}{{/_layout}}')).toEqual(['lead.nmae']);
  });

  it('reports a variable outside lead', () => {
    expect(unknownVariables('{{#if customer.vip}}VIP{{/if}}')).toEqual(['customer.vip']);
  });
});
