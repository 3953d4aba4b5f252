import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, mailTo, stack, startTestServices, waitFor } from '../support/services.ts';

// The routes the console's template, cadence and outbox pages call, on real PostgreSQL,
// Temporal and SMTP.

const MJML = (text: string) =>
  `<mjml><mj-body><mj-section><mj-column><mj-text>${text} {{sama lead.name}}</mj-text></mj-column></mj-section></mj-body></mjml>`;

const CADENCE = {
  name: 'Console v1',
  nurture: {
    steps: [
      { after: 'PT1S', channel: 'email', template: 'welcome' },
      { after: 'PT1H', channel: 'email', template: 'welcome' },
    ],
  },
  sendWindow: null,
};

describe('console routes for templates, cadences and the outbox', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let stop: () => Promise<void>;
  const keys: Record<string, string> = {};
  const as = (role: string) => ({ authorization: `Bearer ${keys[role] ?? ''}` });

  beforeAll(async () => {
    const services = await startTestServices({ config: { smtpUrl: stack().smtpUrl, outboxDir: stack().outboxDir } });
    ({ app, pool, stop } = services);
    for (const role of ['marketer', 'sales', 'integration']) {
      keys[role] = (
        await app.inject({ method: 'POST', url: '/v1/api-keys', headers: auth, payload: { name: role, role } })
      ).json<{ key: string }>().key;
    }
    const put = async (key: string, subject: string, locale: 'ja' | 'en', text = subject) =>
      expect(
        (
          await app.inject({
            method: 'PUT',
            url: `/v1/templates/${key}`,
            headers: auth,
            payload: { subject, mjml: MJML(text), locale },
          })
        ).statusCode,
      ).toBe(201);
    await put('welcome', 'ようこそ', 'ja');
    await put('welcome', 'ようこそ (改訂)', 'ja');
    await put('welcome', 'Welcome', 'en');
    await put('notice-sales-escalation', '注目リード', 'ja');
    await put('_signature', '署名', 'ja');
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: '/v1/templates/_layout-basic',
          headers: auth,
          payload: { subject: 'layout', mjml: '<mjml><mj-body>{{> @partial-block}}</mj-body></mjml>' },
        })
      ).statusCode,
    ).toBe(201);
  });
  afterAll(async () => stop());

  describe('GET /v1/templates and versions', () => {
    it('lists every key with each language newest version and what kind of template it is', async () => {
      const res = await app.inject({ method: 'GET', url: '/v1/templates', headers: as('marketer') });
      expect(res.statusCode).toBe(200);
      const items = res.json<{
        items: {
          key: string;
          kind: string;
          latestVersion: number;
          locales: { locale: string; version: number; subject: string }[];
        }[];
      }>().items;
      const byKey = Object.fromEntries(items.map((i) => [i.key, i]));
      expect(byKey.welcome).toMatchObject({ kind: 'email', latestVersion: 3 });
      expect(byKey.welcome?.locales.map((l) => [l.locale, l.version, l.subject])).toEqual([
        ['en', 3, 'Welcome'],
        ['ja', 2, 'ようこそ (改訂)'],
      ]);
      expect(byKey['notice-sales-escalation']?.kind).toBe('notice');
      expect(byKey._signature?.kind).toBe('partial');
      expect(byKey['_layout-basic']?.kind).toBe('layout');
    });

    it('answers the version history, newest first, per language on request', async () => {
      const all = (await app.inject({ method: 'GET', url: '/v1/templates/welcome/versions', headers: auth })).json<{
        items: { version: number; locale: string; subject: string; createdAt: string }[];
      }>();
      expect(all.items.map((v) => [v.version, v.locale, v.subject])).toEqual([
        [3, 'en', 'Welcome'],
        [2, 'ja', 'ようこそ (改訂)'],
        [1, 'ja', 'ようこそ'],
      ]);
      const ja = (
        await app.inject({ method: 'GET', url: '/v1/templates/welcome/versions?locale=ja', headers: auth })
      ).json<{ items: { version: number }[] }>();
      expect(ja.items.map((v) => v.version)).toEqual([2, 1]);
      expect(
        (await app.inject({ method: 'GET', url: '/v1/templates/nothing-here/versions', headers: auth })).statusCode,
      ).toBe(404);
      expect(
        (await app.inject({ method: 'GET', url: '/v1/templates/welcome/versions?locale=fr', headers: auth }))
          .statusCode,
      ).toBe(422);
    });
  });

  describe('POST /v1/templates/:key/test-send', () => {
    it('sends the rendered template to the address with [TEST] and a test header, and records no delivery', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/templates/welcome/test-send',
        headers: as('marketer'),
        payload: { to: 'tester@example.jp', locale: 'ja', data: { name: '佐藤 一郎' } },
      });
      expect(res.statusCode).toBe(202);
      const { messageId } = res.json<{ messageId: string }>();
      const [mail] = await waitFor(async () => {
        const mails = await mailTo('tester@example.jp');
        return mails.length > 0 && mails;
      }, 'the test email');
      expect(mail?.subject).toBe('[TEST] ようこそ (改訂)');
      expect(mail?.headers.get('x-lle-test')).toBe('1');
      expect(mail?.messageId).toBe(messageId);
      expect(mail?.text).toContain('佐藤 一郎 様');
      // The compliance footer, as a lead would get it.
      expect(mail?.text).toContain('/u/preview');
      expect((await pool.query('SELECT 1 FROM deliveries')).rowCount).toBe(0);
    });

    it('refuses a suppressed address, a malformed one, an unknown template and roles that may not edit', async () => {
      await pool.query("INSERT INTO suppressions (email, reason) VALUES ('gone@example.jp', 'unsubscribed')");
      const send = (payload: object, headers = auth, key = 'welcome') =>
        app.inject({ method: 'POST', url: `/v1/templates/${key}/test-send`, headers, payload });
      expect((await send({ to: 'Gone@example.jp' })).statusCode).toBe(409);
      const bad = await send({ to: 'not an address' });
      expect(bad.statusCode).toBe(422);
      expect(bad.json()).toMatchObject({ error: { details: [{ path: '/to' }] } });
      expect((await send({ to: 'refused-test-send@example.jp' }, auth, 'missing')).statusCode).toBe(404);
      expect((await send({ to: 'refused-test-send@example.jp' }, as('sales'))).statusCode).toBe(403);
      expect((await send({ to: 'refused-test-send@example.jp' }, as('integration'))).statusCode).toBe(403);
      expect(await mailTo('gone@example.jp')).toHaveLength(0);
      expect(await mailTo('refused-test-send@example.jp')).toHaveLength(0);
    });
  });

  describe('GET /v1/outbox/:id', () => {
    it('answers one captured message with decoded headers, html and text', async () => {
      await app.inject({
        method: 'POST',
        url: '/v1/templates/welcome/test-send',
        headers: auth,
        payload: { to: 'outbox-one@example.jp' },
      });
      await waitFor(async () => (await mailTo('outbox-one@example.jp')).length > 0, 'the email in the outbox');
      const list = (await app.inject({ method: 'GET', url: '/v1/outbox?limit=500', headers: auth })).json<{
        items: { id: string; to: string[] }[];
      }>();
      const id = list.items.find((m) => m.to.includes('outbox-one@example.jp'))?.id;
      const res = await app.inject({ method: 'GET', url: `/v1/outbox/${id ?? ''}`, headers: auth });
      expect(res.statusCode).toBe(200);
      const message = res.json<{
        subject: string;
        from: string[];
        to: string[];
        html: string;
        text: string;
        headers: { name: string; value: string }[];
      }>();
      // No locale: the newest version in any language, as the preview renders it.
      expect(message).toMatchObject({
        subject: '[TEST] Welcome',
        from: ['marketing@example.com'],
        to: ['outbox-one@example.jp'],
      });
      expect(message.html).toContain('Welcome');
      expect(message.text).toContain('Alex Smith');
      expect(message.headers).toContainEqual({ name: 'subject', value: '[TEST] Welcome' });
      expect(message.headers).toContainEqual({ name: 'x-lle-test', value: '1' });
    });

    it('answers 404 for unknown ids and ids that try to leave the outbox', async () => {
      for (const id of [
        '000000000000001-1-000001',
        '..%2F..%2F..%2Fetc%2Fpasswd',
        '..%2Foutbox',
        '%2Fetc%2Fpasswd',
        'x.eml',
        '000000000000001-1-000001%00',
      ]) {
        const res = await app.inject({ method: 'GET', url: `/v1/outbox/${id}`, headers: auth });
        expect(res.statusCode, id).toBe(404);
        expect(res.json<{ error: { code: string } }>().error.code).toBe('not_found');
      }
      expect((await app.inject({ method: 'GET', url: '/v1/outbox/../../etc/passwd', headers: auth })).statusCode).toBe(
        404,
      );
      expect(
        (await app.inject({ method: 'GET', url: '/v1/outbox/000000000000001-1-000001', headers: as('sales') }))
          .statusCode,
      ).toBe(403);
    });
  });

  describe('cadence versions', () => {
    it('reads an old version and counts the leads that run each version', async () => {
      const lead = async (email: string, cadence: string) =>
        (await app.inject({ method: 'POST', url: '/v1/leads', headers: auth, payload: { email, cadence } })).json<{
          id: string;
        }>().id;
      // Waiting on its second step (an hour away), planned from the version then newest.
      const waitingOnSecondStep = (id: string) =>
        waitFor(async () => {
          const view = (await app.inject({ method: 'GET', url: `/v1/leads/${id}`, headers: auth })).json<{
            touches: number;
            nextTouchAt: string | null;
          }>();
          return (
            view.touches === 1 && view.nextTouchAt !== null && Date.parse(view.nextTouchAt) > Date.now() + 30 * 60_000
          );
        }, 'the lead waiting on its second step');
      expect(
        (await app.inject({ method: 'PUT', url: '/v1/cadences/console', headers: auth, payload: CADENCE })).statusCode,
      ).toBe(201);
      expect(
        (
          await app.inject({
            method: 'PUT',
            url: '/v1/cadences/other',
            headers: auth,
            payload: { ...CADENCE, name: 'Other' },
          })
        ).statusCode,
      ).toBe(201);
      const v1Runner = await lead('v1-runner@example.jp', 'console');
      await waitingOnSecondStep(v1Runner);
      expect(
        (
          await app.inject({
            method: 'PUT',
            url: '/v1/cadences/console',
            headers: auth,
            payload: { ...CADENCE, name: 'Console v2' },
          })
        ).statusCode,
      ).toBe(201);
      await waitingOnSecondStep(await lead('v2-runner@example.jp', 'console'));
      // Moved from another cadence while waiting: it plans this one at its next step only.
      await waitingOnSecondStep(await lead('cadence-mover@example.jp', 'other'));
      await lead('cadence-mover@example.jp', 'console');

      const res = await app.inject({ method: 'GET', url: '/v1/cadences/console/versions', headers: as('marketer') });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        key: 'console',
        items: [
          { version: 2, name: 'Console v2', leads: 1, createdAt: expect.any(String) },
          { version: 1, name: 'Console v1', leads: 1, createdAt: expect.any(String) },
        ],
        leadsNotYetPlanned: 1,
        leadsTotal: 3,
      });
      expect(
        (await app.inject({ method: 'GET', url: '/v1/cadences/console/versions', headers: as('sales') })).statusCode,
      ).toBe(403);
      expect((await app.inject({ method: 'GET', url: `/v1/leads/${v1Runner}`, headers: auth })).json()).toMatchObject({
        cadence: 'console',
        cadenceVersion: 1,
      });

      const old = await app.inject({ method: 'GET', url: '/v1/cadences/console?version=1', headers: auth });
      expect(old.json()).toMatchObject({ version: 1, definition: { name: 'Console v1' } });
      expect(
        (await app.inject({ method: 'GET', url: '/v1/cadences/console?version=9', headers: auth })).statusCode,
      ).toBe(404);
      expect(
        (await app.inject({ method: 'GET', url: '/v1/cadences/console?version=abc', headers: auth })).statusCode,
      ).toBe(422);
      expect((await app.inject({ method: 'GET', url: '/v1/cadences/nope/versions', headers: auth })).statusCode).toBe(
        404,
      );
    });
  });

  describe('POST /v1/cadences/preview-timeline', () => {
    const windowed = {
      name: 'Holiday test',
      nurture: {
        steps: [
          { after: 'P1D', channel: 'email', template: 'welcome' },
          { after: 'P2D', channel: 'dm', template: 'welcome' },
          { after: 'PT1H', channel: 'task', title: 'call' },
        ],
        repeat: true,
      },
      sendWindow: { timezone: 'Asia/Tokyo', businessDays: true, from: '09:00', to: '18:00' },
      frequencyCap: { max: 10, per: 'P30D' },
    };

    it('moves touches off holidays, weekends and the year-end break to the next business day at 09:00', async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/cadences/preview-timeline',
        headers: as('marketer'),
        payload: { cadence: windowed, start: '2026-12-28T10:00:00+09:00', count: 4 },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json<{
        timezone: string;
        items: { at: string; dueAt: string; step: number; channel: string; template: string | null; section: string }[];
      }>();
      expect(body.timezone).toBe('Asia/Tokyo');
      // Each step is due from the previous step's due time, never from a held send: steps due
      // in the year-end break (29 Dec – 3 Jan) all open Monday 4 January 2027, 09:00 JST;
      // this cadence sets no minGap, so nothing spreads them.
      expect(
        body.items.map(({ at, dueAt, step, channel, template, section }) => ({
          at,
          dueAt,
          step,
          channel,
          template,
          section,
        })),
      ).toEqual([
        {
          at: '2027-01-04T00:00:00.000Z',
          dueAt: '2026-12-29T01:00:00.000Z',
          step: 0,
          channel: 'email',
          template: 'welcome',
          section: 'nurture',
        },
        {
          at: '2027-01-04T00:00:00.000Z',
          dueAt: '2026-12-31T01:00:00.000Z',
          step: 1,
          channel: 'dm',
          template: 'welcome',
          section: 'nurture',
        },
        {
          at: '2027-01-04T00:00:00.000Z',
          dueAt: '2026-12-31T02:00:00.000Z',
          step: 2,
          channel: 'task',
          template: null,
          section: 'nurture',
        },
        {
          at: '2027-01-04T00:00:00.000Z',
          dueAt: '2027-01-01T02:00:00.000Z',
          step: 0,
          channel: 'email',
          template: 'welcome',
          section: 'nurture',
        },
      ]);
      expect(body.items[0]).toMatchObject({
        kind: 'step',
        delayedBy: ['window'],
        reasons: [
          { code: 'holiday', message: '1月1日は祝日 (元日)' },
          { code: 'year_end_break', message: '年末年始休み' },
        ],
      });
      // With a week's minimum gap the same touches land a week apart, and the reason says so in English on request.
      const spaced = await app.inject({
        method: 'POST',
        url: '/v1/cadences/preview-timeline',
        headers: { ...as('marketer'), 'accept-language': 'en-GB,en;q=0.9' },
        payload: { cadence: { ...windowed, minGap: 'P7D' }, start: '2026-12-28T10:00:00+09:00', count: 3 },
      });
      const items = spaced.json<{ items: { at: string; reasons: { code: string; message: string }[] }[] }>().items;
      expect(items.map((i) => i.at)).toEqual([
        '2027-01-04T00:00:00.000Z',
        '2027-01-12T00:00:00.000Z',
        '2027-01-12T00:00:00.000Z',
      ]);
      expect(items[1]?.reasons).toContainEqual({
        code: 'min_gap',
        message: 'at least P7D after the previous touch (minimum gap)',
      });
      // 成人の日 2027 is Monday 11 January: a touch due then opens Tuesday 09:00.
      const holiday = await app.inject({
        method: 'POST',
        url: '/v1/cadences/preview-timeline',
        headers: auth,
        payload: {
          cadence: { ...windowed, nurture: { steps: [{ after: 'P1D', channel: 'email', template: 'welcome' }] } },
          start: '2027-01-10T08:00:00+09:00',
        },
      });
      expect(holiday.json<{ items: { at: string }[] }>().items.map((i) => i.at)).toEqual(['2027-01-12T00:00:00.000Z']);
    });

    it('answers 422 per field for an invalid cadence, as PUT does, and for a bad start or zone', async () => {
      const bad = {
        ...windowed,
        nurture: { steps: [{ after: 'P0D', channel: 'email' }] },
        sendWindow: { ...windowed.sendWindow, timezone: 'Mars/Olympus' },
      };
      const res = await app.inject({
        method: 'POST',
        url: '/v1/cadences/preview-timeline',
        headers: auth,
        payload: { cadence: bad },
      });
      expect(res.statusCode).toBe(422);
      const paths = res
        .json<{ error: { details: { path: string }[] } }>()
        .error.details.map((d) => d.path)
        .sort();
      expect(paths).toEqual([
        '/cadence/nurture/steps/0/after',
        '/cadence/nurture/steps/0/template',
        '/cadence/sendWindow/timezone',
      ]);
      const shape = await app.inject({
        method: 'POST',
        url: '/v1/cadences/preview-timeline',
        headers: auth,
        payload: { cadence: { ...windowed, colour: 'red' } },
      });
      expect(shape.statusCode).toBe(422);
      for (const extra of [{ start: 'tomorrow' }, { timezone: 'Nowhere/City' }, { count: 0 }, { count: 101 }]) {
        expect(
          (
            await app.inject({
              method: 'POST',
              url: '/v1/cadences/preview-timeline',
              headers: auth,
              payload: { cadence: windowed, ...extra },
            })
          ).statusCode,
          JSON.stringify(extra),
        ).toBe(422);
      }
      expect(
        (
          await app.inject({
            method: 'POST',
            url: '/v1/cadences/preview-timeline',
            headers: as('sales'),
            payload: { cadence: windowed },
          })
        ).statusCode,
      ).toBe(403);
      // Nothing was saved.
      expect(
        (await app.inject({ method: 'GET', url: '/v1/cadences/preview-timeline', headers: auth })).statusCode,
      ).toBe(404);
    });
  });
});
