import { readdir, readFile } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyToken } from '../../mail/tokens.ts';
import {
  APP_SECRET,
  auth,
  mailTo,
  PUBLIC_BASE_URL,
  SENDER,
  stack,
  startTestServices,
  waitFor,
} from '../support/services.ts';

// What every marketing email carries, checked on the message as the SMTP server got it.
describe('a marketing email as it arrives', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  const db = () => pool;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const services = await startTestServices();
    ({ pool, app } = services);
    stops.push(services.stop);
    await app.inject({
      method: 'PUT',
      url: '/v1/templates/compliance',
      headers: auth,
      payload: {
        subject: '{{lead.company}} {{lead.name}} 様へ 年末のご挨拶',
        mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.name}} 様、本年もお世話になりました。</mj-text></mj-column></mj-section></mj-body></mjml>',
      },
    });
    await app.inject({
      method: 'PUT',
      url: '/v1/cadences/compliance',
      headers: auth,
      payload: {
        name: 'Compliance',
        nurture: { steps: [{ after: 'PT1S', channel: 'email', template: 'compliance' }] },
      },
    });
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  it('carries the sender, a visible unsubscribe link, List-Unsubscribe headers and a readable Japanese subject', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'nenmatsu@example.jp', name: '山田 花子', company: '株式会社テスト', cadence: 'compliance' },
    });
    const leadId = created.json<{ id: string }>().id;
    const [mail] = await waitFor(async () => {
      const received = await mailTo('nenmatsu@example.jp');
      return received.length === 1 && received;
    }, 'the email');
    expect(mail?.subject).toBe('株式会社テスト 山田 花子 様へ 年末のご挨拶');
    expect(mail?.from?.value).toEqual([{ name: 'Example Co.', address: 'marketing@example.com' }]);

    // RFC 2369 / RFC 8058: an https link and a mailto, and one-click POST.
    // The header as sent (mailparser's parsed form would hide its exact shape).
    const listUnsubscribe =
      mail?.headerLines.find((h) => h.key === 'list-unsubscribe')?.line.replace(/\r?\n\s+/g, ' ') ?? '';
    const https = /<(http[^>]+)>/.exec(listUnsubscribe)?.[1] ?? '';
    expect(https.startsWith(`${PUBLIC_BASE_URL}/u/`)).toBe(true);
    expect(listUnsubscribe).toMatch(/<mailto:unsubscribe@example\.com\?subject=unsubscribe%20[^>]+>/);
    expect(mail?.headerLines.find((h) => h.key === 'list-unsubscribe-post')?.line).toBe(
      'List-Unsubscribe-Post: List-Unsubscribe=One-Click',
    );
    expect(verifyToken(APP_SECRET, https.split('/u/')[1] ?? '', 'unsubscribe')).toMatchObject({ l: leadId });

    // The sender's name, postal address and contact, and the unsubscribe link, in both parts.
    for (const part of [mail?.html || '', mail?.text ?? '']) {
      expect(part).toContain(SENDER.name);
      expect(part).toContain(SENDER.postalAddress);
      expect(part).toContain(SENDER.contact);
      expect(part).toContain(https);
    }
    expect(mail?.text).toContain('山田 花子 様、本年もお世話になりました。');
    expect(mail?.messageId).toMatch(/^<[0-9a-f]{40}@example\.com>$/);
  });

  it('encodes Japanese headers so mail clients show them, not mojibake', async () => {
    await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: {
        email: 'header-check@example.jp',
        name: '佐藤 一郎',
        company: '株式会社テスト',
        cadence: 'compliance',
      },
    });
    const raw = await waitFor(async () => {
      for (const file of await readdir(stack().outboxDir)) {
        const text = await readFile(`${stack().outboxDir}/${file}`, 'utf8').catch(() => '');
        if (text.includes('header-check@example.jp')) return text;
      }
      return undefined;
    }, 'the raw message');
    const headers = raw.slice(0, raw.indexOf('\r\n\r\n'));
    // Non-ASCII header text travels as RFC 2047 UTF-8 encoded words; the body is UTF-8.
    expect(headers).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/m);
    expect(headers).toMatch(/^[\t\r\n -~]*$/);
    expect(raw).toMatch(/Content-Type: text\/plain; charset=utf-8/i);
  });

  it('previews a template with a sample lead and the footer, without sending, and warns of unknown variables', async () => {
    // Other test files write to the same outbox at the same time: what counts is whether a
    // message with one of this test's subjects arrived since it began.
    const startedAt = Date.now();
    const stored = await app.inject({
      method: 'POST',
      url: '/v1/templates/compliance/preview',
      headers: auth,
      payload: {},
    });
    expect(stored.statusCode).toBe(200);
    expect(stored.json()).toMatchObject({ subject: '株式会社サンプル商事 山田 太郎 様へ 年末のご挨拶', warnings: [] });
    expect(stored.json<{ text: string }>().text).toContain(SENDER.postalAddress);

    const draft = await app.inject({
      method: 'POST',
      url: '/v1/templates/compliance/preview',
      headers: auth,
      payload: {
        subject: 'Hello {{lead.nmae}}',
        mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{sama lead.name}}</mj-text></mj-column></mj-section></mj-body></mjml>',
        locale: 'en',
        lead: { name: '<script>x</script>' },
      },
    });
    expect(draft.statusCode).toBe(200);
    expect(draft.json()).toMatchObject({
      subject: 'Hello',
      warnings: [{ path: '/subject', message: 'unknown variable "lead.nmae" renders empty' }],
    });
    expect(draft.json<{ html: string }>().html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(draft.json<{ text: string }>().text).toContain('Unsubscribe:');

    const broken = await app.inject({
      method: 'POST',
      url: '/v1/templates/compliance/preview',
      headers: auth,
      payload: { subject: 'x', mjml: '<mjml><mj-body><mj-bogus/></mj-body></mjml>' },
    });
    expect(broken.statusCode).toBe(422);
    expect(
      (await app.inject({ method: 'POST', url: '/v1/templates/none-such/preview', headers: auth, payload: {} }))
        .statusCode,
    ).toBe(404);
    // Capture files are named by their arrival time (ms), then parsed for their subjects.
    const arrived = (await readdir(stack().outboxDir)).filter(
      (file) => file.endsWith('.eml') && Number(file.split('-')[0]) >= startedAt - 1000,
    );
    const subjects = await Promise.all(
      arrived.map(async (file) => (await simpleParser(await readFile(`${stack().outboxDir}/${file}`))).subject ?? ''),
    );
    expect(
      subjects.filter((subject) => subject.includes('株式会社サンプル商事') || subject === 'Hello' || subject === 'x'),
    ).toEqual([]);
  });

  it('rewrites the template links into signed click redirects and adds an open pixel that count for the lead', async () => {
    await app.inject({
      method: 'PUT',
      url: '/v1/templates/tracked',
      headers: auth,
      payload: {
        subject: 'Seminar',
        mjml: '<mjml><mj-body><mj-section><mj-column><mj-button href="https://example.com/seminar?a=1&amp;b=2">Join</mj-button></mj-column></mj-section></mj-body></mjml>',
      },
    });
    await app.inject({
      method: 'PUT',
      url: '/v1/cadences/tracked',
      headers: auth,
      payload: { name: 'Tracked', nurture: { steps: [{ after: 'PT1S', channel: 'email', template: 'tracked' }] } },
    });
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'tracked@example.jp', cadence: 'tracked' },
    });
    const leadId = created.json<{ id: string }>().id;
    const [mail] = await waitFor(async () => {
      const received = await mailTo('tracked@example.jp');
      return received.length === 1 && received;
    }, 'the email');
    const html = String(mail?.html);
    expect(html).not.toContain('href="https://example.com/seminar');
    const click = /href="(http:\/\/leads\.test\/t\/c\/[^"]+)"/.exec(html)?.[1];
    const pixel = /src="(http:\/\/leads\.test\/t\/o\/[^"]+)"/.exec(html)?.[1];
    expect(click).toBeDefined();
    expect(pixel).toBeDefined();
    // The text part keeps the plain link.
    expect(mail?.text).toContain('https://example.com/seminar?a=1&b=2');

    const browser = {
      'user-agent':
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15',
    };
    const redirect = await app.inject({ method: 'GET', url: new URL(click as string).pathname, headers: browser });
    expect(redirect.statusCode).toBe(302);
    expect(redirect.headers.location).toBe('https://example.com/seminar?a=1&b=2');
    const gif = await app.inject({ method: 'GET', url: new URL(pixel as string).pathname, headers: browser });
    expect(gif.headers['content-type']).toBe('image/gif');
    const counted = await waitFor(async () => {
      const rows = await db().query<{ type: string }>('SELECT type FROM events WHERE lead_id = $1 ORDER BY type', [
        leadId,
      ]);
      return rows.rows.length === 2 && rows.rows.map((r) => r.type);
    }, 'the open and the click to be recorded');
    expect(counted).toEqual(['email_click', 'email_open']);
  });

  it('sends each lead the newest version of the template in its own language', async () => {
    const mjml = (text: string) =>
      `<mjml><mj-body><mj-section><mj-column><mj-text>${text}</mj-text></mj-column></mj-section></mj-body></mjml>`;
    const put = async (subject: string, text: string, locale: string) =>
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/templates/bilingual',
          headers: auth,
          payload: { subject, mjml: mjml(text), locale },
        })
      ).json<{ version: number }>();
    expect(await put('ご案内', '日本語', 'ja')).toMatchObject({ version: 1 });
    expect(await put('Announcement', 'English', 'en')).toMatchObject({ version: 2 });
    // The same Japanese content again is not a new version, though English came after it.
    expect(await put('ご案内', '日本語', 'ja')).toMatchObject({ version: 3 });
    expect(
      (await app.inject({ method: 'GET', url: '/v1/templates/bilingual?locale=en', headers: auth })).json(),
    ).toMatchObject({ version: 2, subject: 'Announcement' });
    await app.inject({
      method: 'PUT',
      url: '/v1/cadences/bilingual',
      headers: auth,
      payload: { name: 'Bilingual', nurture: { steps: [{ after: 'PT1S', channel: 'email', template: 'bilingual' }] } },
    });
    await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'ja-reader@example.jp', cadence: 'bilingual', locale: 'ja' },
    });
    await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'en-reader@example.com', cadence: 'bilingual', locale: 'en' },
    });
    const [ja] = await waitFor(async () => {
      const received = await mailTo('ja-reader@example.jp');
      return received.length === 1 && received;
    }, 'the Japanese email');
    const [en] = await waitFor(async () => {
      const received = await mailTo('en-reader@example.com');
      return received.length === 1 && received;
    }, 'the English email');
    expect(ja?.subject).toBe('ご案内');
    expect(en?.subject).toBe('Announcement');
    expect(en?.text).toContain('Unsubscribe:');
    expect(ja?.text).toContain('配信停止:');
  });

  it('ships the default templates in Japanese and English', async () => {
    for (const key of ['nurture-intro', 'dm-catalog', 'upsell-checkin', 'reactivation', 'notice-sales-escalation']) {
      for (const locale of ['ja', 'en']) {
        const stored = (
          await app.inject({ method: 'GET', url: `/v1/templates/${key}?locale=${locale}`, headers: auth })
        ).json<{ locale: string }>();
        expect(stored.locale).toBe(locale);
        // Rendered with its shared layout and partials, in its own language, with no warnings.
        const preview = await app.inject({
          method: 'POST',
          url: `/v1/templates/${key}/preview`,
          headers: auth,
          payload: { locale },
        });
        expect(preview.statusCode).toBe(200);
        expect(preview.json<{ html: string }>().html).toMatch(new RegExp(`<html[^>]* lang="${locale}"`));
        if (!key.startsWith('notice-')) expect(preview.json()).toMatchObject({ warnings: [] });
      }
    }
  });

  it('notifies the rep with the editable notice template, and warns of nothing it is given', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/templates/notice-sales-escalation',
      headers: auth,
      payload: {
        subject: 'Hot: {{lead.email}} at {{score}}',
        mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.company}} {{#each recent}}{{kind}} {{/each}}<a href="{{leadUrl}}">open</a> {{lead.deal.amount}}</mj-text></mj-column></mj-section></mj-body></mjml>',
        locale: 'ja',
      },
    });
    expect(put.json()).toMatchObject({ warnings: [] });
    await app.inject({
      method: 'PUT',
      url: '/v1/cadences/scored',
      headers: auth,
      payload: {
        name: 'Scored',
        nurture: { steps: [{ after: 'P1D', channel: 'email', template: 'compliance' }] },
        scoring: { points: { meeting_request: 60 }, threshold: 50, halfLife: 'P30D' },
      },
    });
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: {
        email: 'hot-notice@example.jp',
        company: '通知商事',
        ownerEmail: 'notice-rep@example.com',
        cadence: 'scored',
      },
    });
    await app.inject({
      method: 'POST',
      url: '/v1/events',
      headers: auth,
      payload: { leadId: created.json<{ id: string }>().id, type: 'meeting_request' },
    });
    const [notice] = await waitFor(async () => {
      const received = await mailTo('notice-rep@example.com');
      return received.length === 1 && received;
    }, 'the notice to the rep');
    expect(notice?.subject).toBe('Hot: hot-notice@example.jp at 60');
    expect(notice?.text).toContain('通知商事');
    expect(notice?.text).toContain('event');
    // A notice to a rep is not marketing: no unsubscribe footer or headers.
    expect(notice?.text).not.toContain('配信停止');
    expect(notice?.headerLines.some((h) => h.key === 'list-unsubscribe')).toBe(false);
  });
});
