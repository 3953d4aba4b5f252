import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../mail/tokens.ts';
import { APP_SECRET, auth, startTestServices, waitFor } from '../support/services.ts';

// The touch planner in the real workflow (real Temporal, PostgreSQL and SMTP): a DM step
// for a lead without an address falls back and does not count as a touch, and the explain
// route answers what the workflow will do next, in the reader's language.

const MJML =
  '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.name}} 様</mj-text></mj-column></mj-section></mj-body></mjml>';

interface Explain {
  stage: string;
  nextTouch: {
    at: string | null;
    dueAt: string;
    kind: string;
    step: number | null;
    channel: string;
    template: string | null;
    reasons: { code: string; message: string }[];
  } | null;
  lastTouch: string | null;
  monthsWithoutTouch: number;
  skipped: unknown[];
  emailSuppressed: { reason: string; cause: string; since: string; message: string } | null;
}

describe('the touch planner in the workflow, and GET /v1/leads/:id/explain', () => {
  let app: FastifyInstance;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const services = await startTestServices();
    ({ app } = services);
    stops.push(services.stop);
    for (const key of ['letter', 'welcome']) {
      expect(
        (
          await app.inject({
            method: 'PUT',
            url: `/v1/templates/${key}`,
            headers: auth,
            payload: { subject: `${key} {{lead.name}}`, mjml: MJML },
          })
        ).statusCode,
      ).toBe(201);
    }
    const cadence = {
      name: 'Explained',
      nurture: {
        steps: [
          { after: 'PT1S', channel: 'dm', template: 'letter' },
          { after: 'P1M', channel: 'email', template: 'welcome' },
        ],
      },
      sendWindow: null,
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/explained', headers: auth, payload: cadence })).statusCode,
    ).toBe(201);
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  const get = (url: string, headers: Record<string, string> = auth) => app.inject({ method: 'GET', url, headers });
  const createLead = async (email: string, name: string): Promise<string> => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: auth,
      payload: { email, name, cadence: 'explained' },
    });
    expect(created.statusCode).toBe(201);
    return created.json<{ id: string }>().id;
  };

  it('sends a DM step for a lead without an address as a task to confirm it, says so, and does not count it as a touch', async () => {
    const id = await createLead('no-address@example.jp', '住所 なし');
    const fallback = await waitFor(
      async () =>
        (await get(`/v1/leads/${id}/timeline`))
          .json<{ items: { at: string; kind: string; detail: Record<string, unknown> }[] }>()
          .items.find((e) => e.kind === 'touch_fallback'),
      'the fallback on the timeline',
    );
    expect(fallback.detail).toMatchObject({ step: 0, channel: 'task', title: '住所を確認する' });
    expect(fallback.detail.reasons).toEqual([
      {
        code: 'fallback',
        message: 'task instead of DM: no postal address',
        ja: '郵送先住所がないためDMの代わりにタスク',
      },
    ]);
    // The next step's plan, not the first step's still in the read model: the fallback is
    // recorded before the workflow plans again (a CI-like run once read the old time here).
    const state = await waitFor(async () => {
      const body = (await get(`/v1/leads/${id}/state`)).json<{ touches: number; nextTouchAt: string | null }>();
      return body.nextTouchAt === null || Date.parse(body.nextTouchAt) <= Date.parse(fallback.at) ? undefined : body;
    }, 'the next step planned');
    expect(state.touches).toBe(0);

    const en = await get(`/v1/leads/${id}/explain`, { ...auth, 'accept-language': 'en-US,en;q=0.9,ja;q=0.5' });
    expect(en.statusCode).toBe(200);
    const body = en.json<Explain>();
    expect(body).toMatchObject({ stage: 'nurturing', lastTouch: null, monthsWithoutTouch: 0 });
    expect(body.nextTouch).toMatchObject({ kind: 'step', step: 1, channel: 'email', template: 'welcome', reasons: [] });
    // The workflow's nextTouchAt is the planner's real time, which explain answers too.
    expect(body.nextTouch?.at).toBe(state.nextTouchAt);
  });

  it('says, once the lead unsubscribed, that email is suppressed and why, and that its email step will not be sent', async () => {
    const id = await createLead('opted-out@example.jp', '配信 停止');
    const explain = async (language: string) =>
      (await get(`/v1/leads/${id}/explain`, { ...auth, 'accept-language': language })).json<Explain>();
    // Before: email reaches the lead.
    await waitFor(async () => (await explain('en')).nextTouch?.step === 1, 'the email step to be the next touch');
    expect((await explain('en')).emailSuppressed).toBeNull();

    const res = await app.inject({
      method: 'POST',
      url: `/u/${signToken(APP_SECRET, { p: 'unsubscribe', l: id })}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(res.statusCode).toBe(200);
    const en = await waitFor(async () => {
      const body = await explain('en');
      return body.nextTouch?.reasons.some((r) => r.code === 'skipped') && body;
    }, 'the workflow to know email is suppressed');
    expect(en.stage).toBe('nurturing');
    expect(en.emailSuppressed).toEqual({
      reason: 'unsubscribed',
      cause: 'unsubscribed',
      since: expect.any(String),
      message: 'No email (unsubscribed with the link in an email); touches go on by paper DM and tasks',
    });
    expect(en.nextTouch).toMatchObject({
      step: 1,
      channel: 'email',
      reasons: [{ code: 'skipped', message: 'not sent: email is suppressed' }],
    });
    const ja = await explain('ja');
    expect(ja.emailSuppressed?.message).toBe(
      'メールは送りません (メールの配信停止リンクから配信停止)。DM とタスクで接触を続けます',
    );
    expect(ja.nextTouch?.reasons).toEqual([{ code: 'skipped', message: 'メール配信停止中のため送らない' }]);
  });

  it('answers 404 for a lead that does not exist', async () => {
    expect((await get('/v1/leads/00000000-0000-4000-8000-000000000000/explain')).statusCode).toBe(404);
  });
});
