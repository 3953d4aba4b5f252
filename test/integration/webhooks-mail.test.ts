import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auth, startTestApp, startTestServices } from '../support/services.ts';

// Bounce and complaint reports as Mailgun and SendGrid send them, signed as they sign them.
const MAILGUN_KEY = 'mailgun-signing-key-0123456789';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SENDGRID_PUBLIC = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

describe('mail provider delivery reports', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    const services = await startTestServices({
      worker: false,
      config: { mailgunWebhookSigningKey: MAILGUN_KEY, sendgridWebhookPublicKey: SENDGRID_PUBLIC },
    });
    ({ pool, app } = services);
    stops.push(services.stop);
    for (const email of [
      'mg-hard@example.jp',
      'mg-soft@example.jp',
      'sg-bounce@example.jp',
      'sg-spam@example.jp',
      'sg-blocked@example.jp',
      'mg-replay-first@example.jp',
      'mg-replay-victim@example.jp',
    ]) {
      expect(
        (await app.inject({ method: 'POST', url: '/v1/leads', headers: auth, payload: { email } })).statusCode,
      ).toBe(201);
    }
  });
  afterAll(async () => {
    for (const stop of stops) await stop();
  });

  const suppressed = async (email: string) =>
    (await pool.query<{ reason: string }>('SELECT reason FROM suppressions WHERE email = $1', [email])).rows[0]?.reason;
  const mailgun = (
    event: Record<string, unknown>,
    key = MAILGUN_KEY,
    timestamp = String(Math.floor(Date.now() / 1000)),
  ) => {
    const token = `tok-${Math.random().toString(36).slice(2)}`;
    const signature = createHmac('sha256', key)
      .update(timestamp + token)
      .digest('hex');
    return app.inject({
      method: 'POST',
      url: '/v1/webhooks/mail/mailgun',
      payload: { signature: { timestamp, token, signature }, 'event-data': event },
    });
  };
  const sendgrid = (events: Record<string, unknown>[], tamper = false) => {
    const body = JSON.stringify(events);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign('sha256', Buffer.from(timestamp + body), privateKey).toString('base64');
    return app.inject({
      method: 'POST',
      url: '/v1/webhooks/mail/sendgrid',
      headers: {
        'content-type': 'application/json',
        'x-twilio-email-event-webhook-signature': signature,
        'x-twilio-email-event-webhook-timestamp': timestamp,
      },
      payload: tamper ? body.replace('bounce', 'delivered') : body,
    });
  };

  it('suppresses an address Mailgun reports as a permanent failure, once, and not a temporary one', async () => {
    const event = {
      event: 'failed',
      severity: 'permanent',
      recipient: 'mg-hard@example.jp',
      id: 'mg-event-1',
      timestamp: Date.now() / 1000,
    };
    expect((await mailgun(event)).json()).toEqual({ received: 1, accepted: 1 });
    expect((await mailgun(event)).json()).toEqual({ received: 1, accepted: 0 });
    expect(await suppressed('mg-hard@example.jp')).toBe('hard bounce');
    await mailgun({ event: 'failed', severity: 'temporary', recipient: 'mg-soft@example.jp', id: 'mg-event-2' });
    expect(await suppressed('mg-soft@example.jp')).toBeUndefined();
  });

  it('refuses a Mailgun signature used a second time, whatever report it carries, across API processes', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const token = `tok-replay-${Math.random().toString(36).slice(2)}`;
    const signature = createHmac('sha256', MAILGUN_KEY)
      .update(timestamp + token)
      .digest('hex');
    const post = (target: FastifyInstance, event: Record<string, unknown>) =>
      target.inject({
        method: 'POST',
        url: '/v1/webhooks/mail/mailgun',
        payload: { signature: { timestamp, token, signature }, 'event-data': event },
      });
    expect(
      (
        await post(app, {
          event: 'failed',
          severity: 'permanent',
          recipient: 'mg-replay-first@example.jp',
          id: 'mg-replay-1',
        })
      ).json(),
    ).toEqual({ received: 1, accepted: 1 });
    // The captured signature with another report, at this process and at a second one.
    const replayed = await post(app, {
      event: 'complained',
      recipient: 'mg-replay-victim@example.jp',
      id: 'mg-replay-2',
    });
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json()).toMatchObject({ error: { code: 'replayed_signature' } });
    // A second API process: the token is remembered in PostgreSQL, not in the first one's memory.
    const other = await startTestApp({ pool, taskQueue: 'unused', config: { mailgunWebhookSigningKey: MAILGUN_KEY } });
    try {
      expect(
        (await post(other.app, { event: 'complained', recipient: 'mg-replay-victim@example.jp', id: 'mg-replay-3' }))
          .statusCode,
      ).toBe(401);
    } finally {
      await other.close();
    }
    expect(await suppressed('mg-replay-victim@example.jp')).toBeUndefined();
    // Tokens are kept only while a signature could still be accepted.
    await pool.query("UPDATE webhook_signature_tokens SET seen_at = now() - interval '1 hour' WHERE token = $1", [
      token,
    ]);
    await mailgun({ event: 'delivered', recipient: 'mg-replay-first@example.jp' });
    expect((await pool.query('SELECT 1 FROM webhook_signature_tokens WHERE token = $1', [token])).rowCount).toBe(0);
  });

  it('refuses a Mailgun report with a wrong signature or an old timestamp', async () => {
    const event = { event: 'complained', recipient: 'mg-soft@example.jp', id: 'mg-event-3' };
    expect((await mailgun(event, 'not-the-signing-key-at-all')).statusCode).toBe(401);
    expect((await mailgun(event, MAILGUN_KEY, String(Math.floor(Date.now() / 1000) - 3600))).json()).toMatchObject({
      error: { code: 'stale_signature' },
    });
    expect(await suppressed('mg-soft@example.jp')).toBeUndefined();
  });

  it('suppresses SendGrid bounces and spam reports but not blocks, verifying the ECDSA signature', async () => {
    const events = [
      {
        email: 'sg-bounce@example.jp',
        event: 'bounce',
        type: 'bounce',
        sg_event_id: 'sg-1',
        timestamp: Math.floor(Date.now() / 1000),
      },
      {
        email: 'sg-spam@example.jp',
        event: 'spamreport',
        sg_event_id: 'sg-2',
        timestamp: Math.floor(Date.now() / 1000),
      },
      {
        email: 'sg-blocked@example.jp',
        event: 'bounce',
        type: 'blocked',
        sg_event_id: 'sg-3',
        timestamp: Math.floor(Date.now() / 1000),
      },
      { email: 'sg-bounce@example.jp', event: 'open', sg_event_id: 'sg-4', timestamp: Math.floor(Date.now() / 1000) },
      {
        email: 'stranger@example.jp',
        event: 'bounce',
        type: 'bounce',
        sg_event_id: 'sg-5',
        timestamp: Math.floor(Date.now() / 1000),
      },
    ];
    const tampered = await sendgrid(events, true);
    expect(tampered.statusCode).toBe(401);
    expect(await suppressed('sg-bounce@example.jp')).toBeUndefined();
    const res = await sendgrid(events);
    expect(res.json()).toEqual({ received: 5, accepted: 3 });
    expect(await suppressed('sg-bounce@example.jp')).toBe('hard bounce');
    expect(await suppressed('sg-spam@example.jp')).toBe('complaint');
    expect(await suppressed('sg-blocked@example.jp')).toBeUndefined();
    expect(await suppressed('stranger@example.jp')).toBeUndefined();
  });
});
