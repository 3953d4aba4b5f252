import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, mailTo, PUBLIC_BASE_URL, startTestServices, waitFor } from '../support/services.ts';

const TEMPLATE = {
  subject: '{{lead.name}} 様: 資料のご案内',
  mjml: `<mjml><mj-body><mj-section><mj-column>
<mj-text>{{lead.company}} {{lead.name}} 様</mj-text>
<mj-button href="https://example.com/guide">資料を見る</mj-button>
</mj-column></mj-section></mj-body></mjml>`,
};

interface EmailAnswer {
  id: string;
  kind: string;
  templateKey: string;
  messageId: string;
  subject: string | null;
  status: string;
  sentAt: string | null;
  html: string | null;
  text: string | null;
}

describe('a lead’s emails with what they said: GET /v1/leads/:id/emails[/:deliveryId]', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let stop: () => Promise<void>;
  let leadId: string;
  const email = 'keiko.content@example.jp';

  beforeAll(async () => {
    ({ app, pool, stop } = await startTestServices());
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/templates/guide', headers: auth, payload: TEMPLATE })).statusCode,
    ).toBe(201);
    const cadence = { name: 'Content', nurture: { steps: [{ after: 'PT1S', channel: 'email', template: 'guide' }] } };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/content', headers: auth, payload: cadence })).statusCode,
    ).toBe(201);
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email, name: '佐藤 恵子', company: '<b>佐藤</b>工業', cadence: 'content' },
    });
    leadId = created.json<{ id: string }>().id;
    await waitFor(async () => (await mailTo(email)).length === 1, 'the first email');
  });
  afterAll(async () => stop());

  it('keeps the subject, HTML and text as sent, without the open pixel or click redirects', async () => {
    const [mail] = await mailTo(email);
    const list = await app.inject({ method: 'GET', url: `/v1/leads/${leadId}/emails`, headers: auth });
    expect(list.statusCode).toBe(200);
    const items = list.json<{ items: EmailAnswer[] }>().items;
    expect(items).toHaveLength(1);
    const sent = items[0] as EmailAnswer;
    expect(sent).toMatchObject({
      kind: 'touch',
      templateKey: 'guide',
      status: 'sent',
      subject: mail?.subject,
      messageId: mail?.messageId,
    });
    expect(sent.sentAt).not.toBeNull();
    expect(sent.text).toBe(mail?.text);
    // The lead's data escaped, the plain link kept, no tracking: reading it counts nothing.
    expect(sent.html).toContain('&lt;b&gt;佐藤&lt;/b&gt;工業 佐藤 恵子 様');
    expect(sent.html).toContain('href="https://example.com/guide"');
    expect(sent.html).not.toContain(`${PUBLIC_BASE_URL}/t/`);
    expect(String(mail?.html)).toContain(`${PUBLIC_BASE_URL}/t/o/`);

    const one = await app.inject({ method: 'GET', url: `/v1/leads/${leadId}/emails/${sent.id}`, headers: auth });
    expect(one.statusCode).toBe(200);
    expect(one.json<EmailAnswer>()).toEqual(sent);
    const light = await app.inject({ method: 'GET', url: `/v1/leads/${leadId}/emails?content=false`, headers: auth });
    expect(light.json<{ items: EmailAnswer[] }>().items[0]).toMatchObject({
      id: sent.id,
      subject: sent.subject,
      html: null,
      text: null,
    });
  });

  it('answers whoever may read the lead, 404 for another lead’s email or a malformed id, 401 without a key', async () => {
    const sent = (await app.inject({ method: 'GET', url: `/v1/leads/${leadId}/emails`, headers: auth })).json<{
      items: EmailAnswer[];
    }>().items[0] as EmailAnswer;
    const sales = (
      await app.inject({ method: 'POST', url: '/v1/api-keys', headers: auth, payload: { name: 'rep', role: 'sales' } })
    ).json<{ key: string }>().key;
    const asSales = await app.inject({
      method: 'GET',
      url: `/v1/leads/${leadId}/emails/${sent.id}`,
      headers: { authorization: `Bearer ${sales}` },
    });
    expect(asSales.statusCode).toBe(200);
    expect(asSales.json<EmailAnswer>().subject).toBe(sent.subject);

    const other = (
      await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email: 'other.content@example.jp', cadence: 'content' },
      })
    ).json<{ id: string }>().id;
    for (const url of [
      `/v1/leads/${other}/emails/${sent.id}`,
      `/v1/leads/${leadId}/emails/0`,
      `/v1/leads/${leadId}/emails/abc`,
      `/v1/leads/${leadId}/emails/99999999999999999999`,
      '/v1/leads/not-a-lead/emails',
    ]) {
      const answer = await app.inject({ method: 'GET', url, headers: auth });
      expect(answer.statusCode, url).toBe(404);
      expect(answer.json<{ error: { code: string } }>().error.code).toBe('not_found');
    }
    expect((await app.inject({ method: 'GET', url: `/v1/leads/${leadId}/emails/${sent.id}` })).statusCode).toBe(401);
    expect(
      (await app.inject({ method: 'GET', url: `/v1/leads/${leadId}/emails?colour=red`, headers: auth })).statusCode,
    ).toBe(422);
    // Nothing above wrote anything.
    const rows = await pool.query<{ count: string }>('SELECT count(*) FROM deliveries WHERE lead_id = $1', [leadId]);
    expect(Number(rows.rows[0]?.count)).toBe(1);
  });
});
