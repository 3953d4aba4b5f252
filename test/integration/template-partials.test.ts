import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, mailTo, startTestServices, waitFor } from '../support/services.ts';
import { landedBefore, secondStepUnderWay } from '../support/short-steps.ts';

// Shared pieces: a layout every template can wrap itself in, and partials such as a
// signature, stored and versioned like templates (keys starting with `_`).
const LAYOUT = `<mjml lang="ja">
  <mj-body background-color="#f4f4f4">
    <mj-section><mj-column><mj-text font-weight="bold">株式会社サンプル</mj-text></mj-column></mj-section>
    {{> @partial-block}}
    <mj-section><mj-column><mj-text>{{> _signature}}</mj-text></mj-column></mj-section>
  </mj-body>
</mjml>`;

describe('shared layouts and partials', () => {
  let app: FastifyInstance;
  const stops: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const services = await startTestServices();
    app = services.app;
    stops.push(services.stop);
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  const put = (key: string, mjml: string, subject = '-') =>
    app.inject({ method: 'PUT', url: `/v1/templates/${key}`, headers: auth, payload: { subject, mjml, locale: 'ja' } });

  it('refuses a layout without its content slot, a broken partial, and a template naming a missing piece', async () => {
    const noSlot = await put(
      '_layout-broken',
      '<mjml><mj-body><mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section></mj-body></mjml>',
    );
    expect(noSlot.statusCode).toBe(422);
    expect(noSlot.json<{ error: { details: { message: string }[] } }>().error.details[0]?.message).toContain(
      'content slot',
    );
    expect((await put('_bad', '<mj-section>{{#if lead.name}}x</mj-section>')).statusCode).toBe(422);
    expect(
      (await put('uses-missing', '{{#> _layout-none}}<mj-section></mj-section>{{/_layout-none}}')).statusCode,
    ).toBe(422);
  });

  it('refuses lead data written without escaping with 422 naming the line, on save and in a preview, saving nothing', async () => {
    const mjml =
      '<mjml><mj-body><mj-section><mj-column>\n<mj-text>{{sama lead.name}}</mj-text>\n<mj-text>{{{ lead.company }}}</mj-text>\n</mj-column></mj-section></mj-body></mjml>';
    type Refusal = { error: { code: string; details: { path: string; line: number; message: string }[] } };
    const saved = await put('raw-lead', mjml);
    expect(saved.statusCode).toBe(422);
    expect(saved.json<Refusal>().error).toMatchObject({
      code: 'invalid',
      details: [{ path: '/mjml', line: 3, message: expect.stringContaining('lead.company') }],
    });
    expect((await app.inject({ method: 'GET', url: '/v1/templates/raw-lead', headers: auth })).statusCode).toBe(404);
    const partial = await put('_raw-signature', '{{& lead.ownerEmail}}');
    expect(partial.json<Refusal>().error.details[0]).toMatchObject({ line: 1 });
    const preview = await app.inject({
      method: 'POST',
      url: '/v1/templates/raw-lead/preview',
      headers: auth,
      payload: { subject: 's', mjml: mjml.replace('{{{ lead.company }}}', '{{{[lead].company}}}') },
    });
    expect(preview.statusCode).toBe(422);
    expect(preview.json<Refusal>().error.details[0]).toMatchObject({ path: '/mjml', line: 3 });
  });

  it('wraps a template in the layout and the signature partial, and an edited signature reaches the next email', async () => {
    // The shipped `_signature` is seeded too: this test's edit is the newest version.
    const signature = await put('_signature', '営業部 {{lead.ownerEmail}}');
    expect(signature.statusCode).toBe(201);
    expect((await put('_layout-standard', LAYOUT)).statusCode).toBe(201);
    const body =
      '{{#> _layout-standard}}<mj-section><mj-column><mj-text>{{sama lead.name}}、本文です。</mj-text></mj-column></mj-section>{{/_layout-standard}}';
    expect((await put('wrapped', body, 'ご案内')).statusCode).toBe(201);

    const preview = await app.inject({
      method: 'POST',
      url: '/v1/templates/wrapped/preview',
      headers: auth,
      payload: { lead: { name: '田中', ownerEmail: 'rep@example.com' } },
    });
    expect(preview.statusCode).toBe(200);
    const text = preview.json<{ text: string }>().text;
    expect(text).toContain('株式会社サンプル');
    expect(text).toContain('田中 様、本文です。');
    expect(text).toContain('営業部 rep@example.com');

    await app.inject({
      method: 'PUT',
      url: '/v1/cadences/wrapped',
      headers: auth,
      payload: {
        name: 'Wrapped',
        nurture: {
          steps: [
            // Long enough for the edit below to land while the step waits, even on a loaded
            // machine (3 s was not, in a CI-like run); the guard fails the run if it did not.
            { after: 'PT1S', channel: 'email', template: 'wrapped' },
            { after: 'PT20S', channel: 'email', template: 'wrapped' },
          ],
        },
      },
    });
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email: 'wrapped@example.jp', name: '田中', cadence: 'wrapped' },
    });
    const due = await secondStepUnderWay(app, created.json<{ id: string }>().id, 'wrapped@example.jp');
    expect((await put('_signature', 'マーケティング部より')).json()).toMatchObject({
      version: signature.json<{ version: number }>().version + 1,
    });
    landedBefore(due, 'the signature edit');
    const mails = await waitFor(async () => {
      const received = await mailTo('wrapped@example.jp');
      return received.length === 2 && received;
    }, 'the second email');
    expect(mails[0]?.text).toContain('営業部');
    expect(mails[1]?.text).toContain('マーケティング部より');
    expect(mails[1]?.text).toContain('田中 様、本文です。');
  });
});
