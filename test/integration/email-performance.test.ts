import { createHmac, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chooseVariant } from '../../domain/email-variants.ts';
import { signToken, type TokenPayload } from '../../mail/tokens.ts';
import { APP_SECRET, auth, mailTo, startTestServices, waitFor } from '../support/services.ts';
import { settlePool } from '../support/state-snapshot.ts';
import type { EmailReport, LinkReport } from '../../api/routes/email-reports.ts';
import type { VariantReport } from '../../api/routes/email-tests.ts';

// Email performance and A/B tests (issue 15) against the real app, worker, Temporal,
// PostgreSQL and SMTP: an A/B step sends, readers, privacy proxies and link scanners hit
// the tracking links, a provider reports a bounce, a reader unsubscribes; the report counts
// each once, machines apart, and ending the test saves a new cadence version.

const LINKS = ['https://example.com/one', 'https://example.com/two', 'https://example.com/three'];
const mjml = (word: string) =>
  `<mjml><mj-body><mj-section><mj-column><mj-text>${word} {{lead.name}}: ${LINKS.map((u, i) => `<a href="${u}">link ${i}</a>`).join(' ')}</mj-text></mj-column></mj-section></mj-body></mjml>`;
const VARIANTS = [
  { template: 'perf-a', weight: 50 },
  { template: 'perf-b', weight: 50 },
];
const CADENCE = {
  name: 'A/B nurture',
  nurture: { steps: [{ after: 'PT1S', channel: 'email', variants: VARIANTS, testMetric: 'clicks' }] },
  sendWindow: null,
};
const MAILGUN_KEY = 'mailgun-signing-key-0123456789';
const BROWSER =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15';
const token = (payload: TokenPayload) => signToken(APP_SECRET, payload);

describe('email performance and A/B tests', () => {
  let pool: pg.Pool;
  let app: FastifyInstance;
  let stop: () => Promise<void>;
  const leads: { id: string; email: string; delivery: string; template: string }[] = [];

  const get = async <T>(url: string, status = 200): Promise<T> => {
    const res = await app.inject({ method: 'GET', url, headers: auth });
    expect(res.statusCode, res.body).toBe(status);
    return res.json<T>();
  };
  const hit = async (
    kind: 'o' | 'c',
    lead: (typeof leads)[number],
    options: { ua?: string; url?: string; method?: 'GET' | 'HEAD' },
  ) => {
    const payload: TokenPayload =
      kind === 'o'
        ? { p: 'open', l: lead.id, d: lead.delivery }
        : { p: 'click', l: lead.id, d: lead.delivery, u: options.url ?? LINKS[0]! };
    const res = await app.inject({
      method: options.method ?? 'GET',
      url: `/t/${kind}/${token(payload)}`,
      headers: options.ua === undefined ? {} : { 'user-agent': options.ua },
    });
    expect(res.statusCode).toBe(kind === 'o' ? 200 : 302);
    // The tracking routes record after their reply: an idle pool means the recording landed.
    await settlePool(pool);
  };
  // "Sent a minute ago": readers are told from scanners partly by how soon after the send
  // they come, and this test cannot wait a minute per email.
  const sentAMinuteAgo = (lead: (typeof leads)[number]) =>
    pool.query("UPDATE email_stats SET sent_at = sent_at - interval '1 minute' WHERE delivery_key = $1", [
      lead.delivery,
    ]);

  beforeAll(async () => {
    ({ pool, app, stop } = await startTestServices({ config: { mailgunWebhookSigningKey: MAILGUN_KEY } }));
    for (const key of ['perf-a', 'perf-b']) {
      const res = await app.inject({
        method: 'PUT',
        url: `/v1/templates/${key}`,
        headers: auth,
        payload: { subject: `Subject ${key}`, mjml: mjml(key) },
      });
      expect(res.statusCode).toBe(201);
    }
    const saved = await app.inject({ method: 'PUT', url: '/v1/cadences/abtest', headers: auth, payload: CADENCE });
    expect(saved.statusCode, saved.body).toBe(201);
    for (let i = 0; i < 6; i += 1) {
      const email = `perf-${i}-${randomUUID().slice(0, 8)}@example.jp`;
      const res = await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email, name: `Reader ${i}`, cadence: 'abtest' },
      });
      expect(res.statusCode).toBe(201);
      leads.push({ id: res.json<{ id: string }>().id, email, delivery: '', template: '' });
    }
    for (const lead of leads) {
      await waitFor(async () => (await mailTo(lead.email)).length === 1, `the A/B email to ${lead.email}`);
      const row = await waitFor(
        async () =>
          (
            await pool.query<{ idempotency_key: string; template_key: string }>(
              "SELECT idempotency_key, template_key FROM deliveries WHERE lead_id = $1 AND status = 'sent'",
              [lead.id],
            )
          ).rows[0],
        'the delivery row',
      );
      lead.delivery = row.idempotency_key;
      lead.template = row.template_key;
      // The activity marks the report's row sent right after the delivery's.
      await waitFor(
        async () =>
          (
            await pool.query('SELECT 1 FROM email_stats WHERE delivery_key = $1 AND sent_on IS NOT NULL', [
              lead.delivery,
            ])
          ).rowCount === 1,
        'the email counted as sent',
      );
    }
  }, 120_000);
  afterAll(async () => stop?.());

  it('saves a step with variants and no template with its first variant as the control', async () => {
    const cadence = await get<{ definition: { nurture: { steps: { template?: string }[] } } }>(
      '/v1/cadences/abtest?version=1',
    );
    expect(cadence.definition.nurture.steps[0]?.template).toBe('perf-a');
  });

  it("sends each lead the variant its id and the step choose, and the email's subject is that variant's", async () => {
    for (const lead of leads) {
      const expected = chooseVariant(VARIANTS, lead.id, { cadenceKey: 'abtest', stage: 'nurturing', step: 0 }).template;
      expect(lead.template).toBe(expected);
      expect((await mailTo(lead.email))[0]?.subject).toBe(`Subject ${expected}`);
    }
    const stats = await pool.query<{ variant_test: boolean; cadence_key: string; stage: string; step_index: number }>(
      'SELECT variant_test, cadence_key, stage, step_index FROM email_stats WHERE delivery_key = ANY($1)',
      [leads.map((l) => l.delivery)],
    );
    expect(stats.rows).toHaveLength(6);
    for (const row of stats.rows)
      expect(row).toEqual({ variant_test: true, cadence_key: 'abtest', stage: 'nurturing', step_index: 0 });
  });

  it('counts unique opens and clicks per email, machines apart, bounces, and unsubscribes, on the step and month', async () => {
    const [prefetched, reader, scanned, checked, bounced, leaving] = leads as [
      (typeof leads)[number],
      (typeof leads)[number],
      (typeof leads)[number],
      (typeof leads)[number],
      (typeof leads)[number],
      (typeof leads)[number],
    ];
    // Apple Mail Privacy Protection fetches the pixel with a bare User-Agent; a gateway
    // clicks the first link as the message arrives.
    await hit('o', prefetched, { ua: 'Mozilla/5.0' });
    await hit('c', prefetched, { ua: BROWSER });
    // A reader opens twice and clicks one link twice: one open, one click.
    await sentAMinuteAgo(reader);
    await hit('o', reader, { ua: BROWSER });
    await hit('o', reader, { ua: BROWSER });
    await hit('c', reader, { ua: BROWSER, url: LINKS[1] });
    await hit('c', reader, { ua: BROWSER, url: LINKS[1] });
    // A scanner with a browser's User-Agent follows every link at once: the first click
    // looked like a person's when it came and is taken back by the third.
    await sentAMinuteAgo(scanned);
    for (const url of LINKS) await hit('c', scanned, { ua: BROWSER, url });
    // A link checker's HEAD request.
    await sentAMinuteAgo(checked);
    await hit('c', checked, { ua: BROWSER, method: 'HEAD' });
    // The provider reports a hard bounce. Its timestamp is in whole seconds and counts
    // against the email sent at or before it, so the email must be a second old at least.
    await sentAMinuteAgo(bounced);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const mailgunToken = randomUUID();
    const bounce = await app.inject({
      method: 'POST',
      url: '/v1/webhooks/mail/mailgun',
      payload: {
        signature: {
          timestamp,
          token: mailgunToken,
          signature: createHmac('sha256', MAILGUN_KEY)
            .update(timestamp + mailgunToken)
            .digest('hex'),
        },
        'event-data': { event: 'failed', id: `bounce-${bounced.id}`, recipient: bounced.email, severity: 'permanent' },
      },
    });
    expect(bounce.json()).toEqual({ received: 1, accepted: 1 });
    // One-click unsubscribe with the email's own token.
    const unsubscribe = await app.inject({
      method: 'POST',
      url: `/u/${token({ p: 'unsubscribe', l: leaving.id, d: leaving.delivery })}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribe.statusCode).toBe(200);

    const expected = {
      sent: 6,
      delivered: 5,
      bounced: { hard: 1, soft: 0 },
      opened: 1,
      machineOpened: 1,
      clicked: 1,
      machineClicked: 3,
      unsubscribed: 1,
      complaints: 0,
      rates: {
        delivered: 0.8333,
        opened: 0.2,
        clicked: 0.2,
        clickToOpen: 1,
        bounced: 0.1667,
        unsubscribed: 0.2,
        complaints: 0,
      },
    };
    const byStep = await get<EmailReport>('/v1/reports/email?by=step');
    expect(byStep.items).toEqual([
      { ...expected, template: null, cadence: 'abtest', stage: 'nurturing', step: 0, month: null },
    ]);
    expect(byStep.totals).toEqual(expected);

    const month = new Intl.DateTimeFormat('en-CA', {
      timeZone: 'Asia/Tokyo',
      year: 'numeric',
      month: '2-digit',
    }).format(new Date());
    const byMonth = await get<EmailReport>('/v1/reports/email?by=month');
    expect(byMonth.items.map((i) => [i.month, i.sent])).toEqual([[month, 6]]);

    const byTemplate = await get<EmailReport>('/v1/reports/email?by=template');
    const sentOf = (t: string) => leads.filter((l) => l.template === t).length;
    expect(byTemplate.items.map((i) => [i.template, i.sent])).toEqual(
      ['perf-a', 'perf-b'].filter((t) => sentOf(t) > 0).map((t) => [t, sentOf(t)]),
    );
    expect(byTemplate.totals).toEqual(expected);

    const byCadence = await get<EmailReport>('/v1/reports/email?by=cadence&cadence=abtest');
    expect(byCadence.items).toHaveLength(1);
    expect(byCadence.items[0]).toMatchObject({ cadence: 'abtest', sent: 6 });

    // A period before today has nothing.
    const empty = await get<EmailReport>('/v1/reports/email?by=step&from=2000-01-01&to=2000-12-31');
    expect(empty.items).toEqual([]);

    // Per link: the reader's link once (twice clicked), the scanner's three apart.
    const links = await get<LinkReport>(`/v1/reports/email/links?template=${scanned.template}`);
    const link = (url: string) => links.items.find((l) => l.url === url);
    expect(link(LINKS[2]!)).toEqual({ url: LINKS[2], clicked: 0, clicks: 0, machineClicked: 1 });
    if (reader.template === scanned.template) expect(link(LINKS[1]!)).toMatchObject({ clicked: 1, clicks: 2 });
  });

  it('compares the variants with a two-proportion test and ends the test keeping one, as a new cadence version', async () => {
    const report = await get<VariantReport>('/v1/reports/email/variants?cadence=abtest');
    expect(report.items).toHaveLength(1);
    const test = report.items[0]!;
    expect(test).toMatchObject({
      cadence: 'abtest',
      stage: 'nurturing',
      step: 0,
      running: true,
      metric: 'clicks',
      control: 'perf-a',
    });
    expect(test.variants.map((v) => v.template).sort()).toEqual(['perf-a', 'perf-b']);
    expect(test.variants.reduce((sum, v) => sum + v.sent, 0)).toBe(6);
    expect(test.variants.every((v) => v.weight === 50)).toBe(true);

    const refused = await app.inject({
      method: 'POST',
      url: '/v1/cadences/abtest/variants/end',
      headers: auth,
      payload: { stage: 'nurturing', step: 0, keep: 'perf-z' },
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.json()).toMatchObject({ error: { details: [{ path: '/keep' }] } });
    const noStep = await app.inject({
      method: 'POST',
      url: '/v1/cadences/abtest/variants/end',
      headers: auth,
      payload: { stage: 'nurturing', step: 3, keep: 'perf-b' },
    });
    expect(noStep.statusCode).toBe(422);
    const noCadence = await app.inject({
      method: 'POST',
      url: '/v1/cadences/no-such/variants/end',
      headers: auth,
      payload: { stage: 'nurturing', step: 0, keep: 'perf-b' },
    });
    expect(noCadence.statusCode).toBe(404);
    expect((await get<{ version: number }>('/v1/cadences/abtest')).version).toBe(1);

    const ended = await app.inject({
      method: 'POST',
      url: '/v1/cadences/abtest/variants/end',
      headers: auth,
      payload: { stage: 'nurturing', step: 0, keep: 'perf-b' },
    });
    expect(ended.statusCode, ended.body).toBe(200);
    expect(ended.json()).toMatchObject({
      version: 2,
      created: true,
      definition: { nurture: { steps: [{ after: 'PT1S', channel: 'email', template: 'perf-b' }] } },
    });
    expect(
      ended.json<{ definition: { nurture: { steps: object[] } } }>().definition.nurture.steps[0],
    ).not.toHaveProperty('variants');
    const after = await get<VariantReport>('/v1/reports/email/variants?cadence=abtest');
    expect(after.items[0]).toMatchObject({ running: false });
  });

  it('refuses bad report queries and bad variant steps with a 4xx, saving nothing', async () => {
    expect((await app.inject({ method: 'GET', url: '/v1/reports/email?by=week', headers: auth })).statusCode).toBe(422);
    const backwards = await app.inject({
      method: 'GET',
      url: '/v1/reports/email?from=2026-02-01&to=2026-01-01',
      headers: auth,
    });
    expect(backwards.statusCode).toBe(422);
    expect((await app.inject({ method: 'GET', url: '/v1/reports/email/links', headers: auth })).statusCode).toBe(422);
    const bad = async (step: object) => {
      const res = await app.inject({
        method: 'PUT',
        url: '/v1/cadences/bad-ab',
        headers: auth,
        payload: { name: 'Bad', nurture: { steps: [{ after: 'P1D', ...step }] } },
      });
      expect(res.statusCode, JSON.stringify(step)).toBe(422);
      return res.json<{ error: { details: { path: string }[] } }>().error.details.map((d) => d.path);
    };
    const weights = (a: number, b: number, second = 'b') => [
      { template: 'a', weight: a },
      { template: second, weight: b },
    ];
    const cases: [object, string][] = [
      [{ channel: 'dm', template: 'x', variants: VARIANTS }, '/nurture/steps/0/variants'],
      [{ channel: 'email', template: 'other', variants: VARIANTS }, '/nurture/steps/0/template'],
      [{ channel: 'email', variants: weights(1, 1, 'a') }, '/nurture/steps/0/variants/1/template'],
      [{ channel: 'email', variants: weights(0, 0) }, '/nurture/steps/0/variants'],
      [{ channel: 'email', template: 'a', testMetric: 'opens' }, '/nurture/steps/0/testMetric'],
    ];
    for (const [step, path] of cases) expect(await bad(step)).toEqual([path]);
    expect((await app.inject({ method: 'GET', url: '/v1/cadences/bad-ab', headers: auth })).statusCode).toBe(404);
  });
});
