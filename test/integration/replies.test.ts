import { generateKeyPairSync, sign } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import Encoding from 'encoding-japanese';
import iconv from 'iconv-lite';
import { ImapFlow } from 'imapflow';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImapConfig } from '../../config/env.ts';
import { mailboxPollId } from '../../domain/replies.ts';
import { ensureMailboxPoll } from '../../intake/mailbox-poll-client.ts';
import { startTestImapServer, type TestImapServer } from '../support/dovecot.ts';
import { multipart, postMailgunInbound } from '../support/inbound-mail.ts';
import {
  auth,
  createTestDatabase,
  mailTo,
  startTestApp,
  startTestWorker,
  uniqueTaskQueue,
  waitFor,
} from '../support/services.ts';

// Replies to the engine's email, from each source: SendGrid Inbound Parse (raw and parsed),
// Mailgun routes (parsed fields and body-mime), and a real IMAP mailbox (Dovecot) the
// worker polls. Each posted body is a real multipart form, signed as the provider signs it.
const MAILGUN_KEY = 'mailgun-signing-key-0123456789';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const SENDGRID_PUBLIC = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
const REPLY_ADDRESS = 'replies@example.com';
const REP = 'rep.replies@example.com';

const TEMPLATE = {
  subject: '{{lead.name}} 様: セミナーのご案内',
  mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.name}} 様</mj-text></mj-column></mj-section></mj-body></mjml>',
};

/** `text` in ISO-2022-JP, the charset Japanese mail clients still send. */
const jis = (text: string): Buffer =>
  Buffer.from(Encoding.convert(Encoding.stringToCode(text), { to: 'JIS', from: 'UNICODE' }));

/** A reply to `inReplyTo`, as a Japanese mail client writes it: ISO-2022-JP, the original quoted below. */
function japaneseReply(options: {
  from: string;
  to?: string;
  messageId: string;
  inReplyTo?: string;
  subject?: string;
  body?: string;
  extraHeaders?: string[];
}): Buffer {
  const body =
    options.body ??
    'お世話になっております。\r\nセミナーに参加したいです。日程を教えてください。\r\n\r\n2026年12月1日(火) 10:00 Example Co. <marketing@example.com>:\r\n> 山田 様\r\n> セミナーのご案内です。\r\n';
  const headers = [
    `From: ${options.from}`,
    `To: ${options.to ?? 'marketing@example.com'}`,
    `Subject: =?ISO-2022-JP?B?${jis(options.subject ?? 'Re: セミナーのご案内').toString('base64')}?=`,
    `Message-ID: <${options.messageId}>`,
    ...(options.inReplyTo ? [`In-Reply-To: ${options.inReplyTo}`, `References: ${options.inReplyTo}`] : []),
    `Date: ${new Date(Date.now() - 60_000).toUTCString()}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=ISO-2022-JP',
    'Content-Transfer-Encoding: 7bit',
    ...(options.extraHeaders ?? []),
  ];
  return Buffer.concat([Buffer.from(`${headers.join('\r\n')}\r\n\r\n`), jis(body)]);
}

describe('replies to engine email', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let client: Client;
  let imap: TestImapServer;
  let taskQueue: string;
  let imapConfig: ImapConfig;
  let stopWorker: () => Promise<void>;
  const stops: (() => Promise<void>)[] = [];
  const leads = new Map<string, { id: string; messageId: string; replyTo: string }>();

  const startWorker = async () => {
    const worker = await startTestWorker({
      pool,
      taskQueue,
      salesReps: [REP],
      replyAddress: REPLY_ADDRESS,
      imap: imapConfig,
    });
    stopWorker = worker.stop;
  };

  beforeAll(async () => {
    imap = await startTestImapServer();
    stops.push(imap.stop);
    imapConfig = {
      host: imap.host,
      port: imap.port,
      secure: false,
      user: imap.user,
      password: imap.password,
      mailbox: 'INBOX',
      pollSeconds: 1,
    };
    const db = await createTestDatabase();
    pool = db.pool;
    taskQueue = uniqueTaskQueue();
    await startWorker();
    const api = await startTestApp({
      pool,
      taskQueue,
      config: {
        mailgunWebhookSigningKey: MAILGUN_KEY,
        sendgridWebhookPublicKey: SENDGRID_PUBLIC,
        replyAddress: REPLY_ADDRESS,
      },
    });
    ({ app, client } = api);
    stops.push(async () => {
      await client.workflow
        .getHandle(mailboxPollId(taskQueue))
        .terminate('test over')
        .catch(() => {});
      await api.close();
      await stopWorker();
      await db.drop();
    });
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/templates/seminar', headers: auth, payload: TEMPLATE })).statusCode,
    ).toBe(201);
    const cadence = {
      name: 'Seminar',
      nurture: {
        steps: [
          { after: 'PT1S', channel: 'email', template: 'seminar' },
          { after: 'P1D', channel: 'email', template: 'seminar' },
        ],
      },
      scoring: { points: { reply: 30 }, threshold: 100, halfLife: 'P30D' },
      sendWindow: null,
    };
    expect(
      (await app.inject({ method: 'PUT', url: '/v1/cadences/seminar', headers: auth, payload: cadence })).statusCode,
    ).toBe(201);
    for (const name of ['sg-raw', 'sg-parsed', 'mg-fields', 'mg-auto', 'imap-one', 'imap-two', 'untouched']) {
      const email = `${name}@example.jp`;
      const created = await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email, name: '山田 太郎', cadence: 'seminar' },
      });
      expect(created.statusCode).toBe(201);
      const [mail] = await waitFor(async () => {
        const mails = await mailTo(email);
        return mails.length > 0 && mails;
      }, `the first email to ${email}`);
      leads.set(name, {
        id: created.json<{ id: string }>().id,
        messageId: mail!.messageId!,
        replyTo: (mail!.replyTo?.value[0]?.address as string) ?? '',
      });
    }
  }, 240_000);
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  const lead = (name: string) => leads.get(name)!;
  const timeline = async (name: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${lead(name).id}/timeline`, headers: auth })).json<{
      items: { kind: string; detail: Record<string, unknown> }[];
    }>().items;
  const paused = async (name: string) =>
    (await app.inject({ method: 'GET', url: `/v1/leads/${lead(name).id}`, headers: auth })).json<{ paused: boolean }>()
      .paused;
  const eventCount = async () => Number((await pool.query('SELECT count(*) AS n FROM events')).rows[0].n);

  const sendgrid = async (fields: Record<string, string | Buffer>, options: { tamper?: boolean } = {}) => {
    const { body, contentType } = await multipart(fields);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), body]), privateKey).toString('base64');
    return app.inject({
      method: 'POST',
      url: '/v1/webhooks/inbound/sendgrid',
      headers: {
        'content-type': contentType,
        'x-twilio-email-event-webhook-signature': signature,
        'x-twilio-email-event-webhook-timestamp': timestamp,
      },
      payload: options.tamper ? Buffer.from(body.toString('latin1').replace('@client.', '@klient.'), 'latin1') : body,
    });
  };
  const mailgun = (fields: Record<string, string | Buffer>, key = MAILGUN_KEY) => postMailgunInbound(app, key, fields);

  it('gives marketing email a Reply-To that names the lead with a signed token', () => {
    expect(lead('sg-raw').replyTo).toMatch(/^replies\+[0-9a-f]{44}@example\.com$/);
  });

  it('takes a SendGrid raw reply once: scored, on the timeline with its text, the cadence paused, the owner told', async () => {
    const raw = japaneseReply({
      from: '山田 太郎 <sg-raw@example.jp>',
      messageId: 'reply-sg-raw@client.example.jp',
      inReplyTo: lead('sg-raw').messageId,
    });
    const answer = await sendgrid({
      email: raw,
      envelope: JSON.stringify({ to: [REPLY_ADDRESS], from: 'sg-raw@example.jp' }),
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ outcome: 'reply', leadId: lead('sg-raw').id });

    const items = await waitFor(async () => {
      const all = await timeline('sg-raw');
      return all.some((e) => e.kind === 'paused') && all.some((e) => e.kind === 'event') && all;
    }, 'the reply scored and the cadence paused');
    const reply = items.find((e) => e.kind === 'reply_received')!;
    expect(reply.detail).toMatchObject({
      from: 'sg-raw@example.jp',
      subject: 'Re: セミナーのご案内',
      text: 'お世話になっております。\nセミナーに参加したいです。日程を教えてください。',
      source: 'sendgrid',
      template: 'seminar',
    });
    expect(items.find((e) => e.kind === 'event')!.detail).toMatchObject({ type: 'reply', points: 30 });
    expect(await paused('sg-raw')).toBe(true);

    const notice = await waitFor(async () => {
      const mails = (await mailTo(REP)).filter(
        (m) => m.subject?.includes('【返信あり】') && m.text?.includes('sg-raw'),
      );
      return mails.length > 0 && mails;
    }, 'the notice to the owner');
    expect(notice[0]!.text).toContain('セミナーに参加したいです。');

    // The provider posts it again: nothing more happens.
    const again = await sendgrid({ email: raw });
    expect(again.json()).toEqual({ outcome: 'duplicate', leadId: lead('sg-raw').id });
    const events = await pool.query("SELECT count(*) AS n FROM events WHERE lead_id = $1 AND type = 'reply'", [
      lead('sg-raw').id,
    ]);
    expect(Number(events.rows[0].n)).toBe(1);

    // A person resumes the cadence with the existing action.
    expect(
      (await app.inject({ method: 'POST', url: `/v1/leads/${lead('sg-raw').id}/resume`, headers: auth })).statusCode,
    ).toBeLessThan(300);
    await waitFor(async () => !(await paused('sg-raw')), 'the cadence resumed');
    expect((await mailTo(REP)).filter((m) => m.text?.includes('sg-raw@example.jp'))).toHaveLength(1);
  });

  it('takes a SendGrid parsed post, decoding each field in the charset SendGrid names', async () => {
    const headers = [
      'From: sg-parsed@example.jp',
      'To: marketing@example.com',
      'Subject: Re: seminar',
      'Message-ID: <reply-sg-parsed@client.example.jp>',
      `In-Reply-To: ${lead('sg-parsed').messageId}`,
    ].join('\n');
    const answer = await sendgrid({
      headers,
      text: iconv.encode('参加します。\n\n> 元のメール\n', 'shift_jis'),
      subject: 'Re: seminar',
      charsets: JSON.stringify({ text: 'Shift_JIS', headers: 'UTF-8', subject: 'UTF-8' }),
      envelope: JSON.stringify({ to: ['marketing@example.com'] }),
    });
    expect(answer.json()).toEqual({ outcome: 'reply', leadId: lead('sg-parsed').id });
    const reply = (await timeline('sg-parsed')).find((e) => e.kind === 'reply_received')!;
    expect(reply.detail).toMatchObject({ text: '参加します。', source: 'sendgrid' });
  });

  it('takes a Mailgun route post matched by the signed Reply-To address alone', async () => {
    const answer = await mailgun({
      recipient: lead('mg-fields').replyTo,
      sender: 'mg-fields@example.jp',
      subject: 'Re: seminar',
      'body-plain': 'Please call me next week.\r\n\r\nOn Tue, Dec 1, 2026 at 10:00 Example Co. wrote:\r\n> Seminar\r\n',
      'message-headers': JSON.stringify([
        ['From', 'mg-fields@example.jp'],
        ['To', lead('mg-fields').replyTo],
        ['Subject', 'Re: seminar'],
        ['Message-Id', '<reply-mg-fields@client.example.jp>'],
      ]),
    });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toEqual({ outcome: 'reply', leadId: lead('mg-fields').id });
    const reply = (await timeline('mg-fields')).find((e) => e.kind === 'reply_received')!;
    expect(reply.detail).toMatchObject({ text: 'Please call me next week.', source: 'mailgun', template: null });
    await waitFor(async () => paused('mg-fields'), 'the cadence paused');
  });

  it('records an out-of-office answer without scoring it or pausing the cadence', async () => {
    const raw = japaneseReply({
      from: 'mg-auto@example.jp',
      messageId: 'ooo-mg-auto@client.example.jp',
      inReplyTo: lead('mg-auto').messageId,
      subject: '不在のお知らせ',
      body: '12月5日まで不在にしております。',
      extraHeaders: ['Auto-Submitted: auto-replied', 'X-Autoreply: yes'],
    });
    const answer = await mailgun({ 'body-mime': raw, recipient: 'marketing@example.com' });
    expect(answer.json()).toEqual({ outcome: 'auto_reply', leadId: lead('mg-auto').id });
    const items = await timeline('mg-auto');
    expect(items.find((e) => e.kind === 'auto_reply_received')?.detail).toMatchObject({
      text: '12月5日まで不在にしております。',
    });
    expect(items.some((e) => e.kind === 'event' || e.kind === 'paused' || e.kind === 'reply_received')).toBe(false);
    expect(await paused('mg-auto')).toBe(false);
  });

  it('acknowledges mail that answers no engine email and records nothing', async () => {
    const before = await eventCount();
    const answer = await sendgrid({
      email: japaneseReply({ from: 'stranger@example.jp', messageId: 'x@y', inReplyTo: '<unknown@example.com>' }),
    });
    expect(answer.json()).toEqual({ outcome: 'unmatched', leadId: null });
    // A Reply-To token that was altered is no match either.
    const forged = lead('untouched').replyTo.replace(/[0-9a-f](@)/, (_m, at: string) => `0${at}`);
    const viaForged = await mailgun({
      recipient: forged === lead('untouched').replyTo ? forged.replace(/\+./, '+f') : forged,
      'body-plain': 'hello',
      'message-headers': JSON.stringify([['Message-Id', '<forged@example.jp>']]),
    });
    expect(viaForged.json()).toEqual({ outcome: 'unmatched', leadId: null });
    expect(await eventCount()).toBe(before);
  });

  it('refuses bad input with a 4xx in the error format and changes nothing', async () => {
    const before = await eventCount();
    const raw = japaneseReply({
      from: 'untouched@example.jp',
      messageId: 'bad-input@client.example.jp',
      inReplyTo: lead('untouched').messageId,
    });
    const cases = [
      await sendgrid({ email: raw }, { tamper: true }),
      await mailgun({ 'body-mime': raw }, 'another-signing-key-0123456789'),
      await mailgun({ recipient: 'x@example.jp' }),
      await app.inject({
        method: 'POST',
        url: '/v1/webhooks/inbound/mailgun',
        headers: { 'content-type': 'multipart/form-data; boundary=zzz' },
        payload: '--zzz\r\nContent-Disposition: form-data; name="timestamp"\r\n\r\n1',
      }),
      await app.inject({
        method: 'POST',
        url: '/v1/webhooks/inbound/sendgrid',
        headers: { 'content-type': 'application/json' },
        payload: '{}',
      }),
    ];
    expect(cases.map((c) => c.statusCode)).toEqual([401, 401, 422, 400, 415]);
    for (const c of cases)
      expect(c.json()).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    expect(await eventCount()).toBe(before);
    expect(await paused('untouched')).toBe(false);
  });

  it('reads replies from a real IMAP mailbox once each, across a worker restart', async () => {
    // A mail client's session, delivering with IMAP APPEND as a server's delivery agent would file it.
    const imapSession = async () => {
      const session = new ImapFlow({
        host: imap.host,
        port: imap.port,
        secure: false,
        auth: { user: imap.user, pass: imap.password },
        logger: false,
      });
      await session.connect();
      return session;
    };
    const appendReply = async (name: string, auto = false) => {
      const connection = await imapSession();
      await connection.append(
        'INBOX',
        japaneseReply({
          from: `${name}@example.jp`,
          messageId: `imap-${name}-${auto ? 'auto' : 'reply'}@client.example.jp`,
          inReplyTo: lead(name).messageId,
          ...(auto ? { subject: 'Out of Office: seminar', extraHeaders: ['Auto-Submitted: auto-replied'] } : {}),
        }),
      );
      await connection.logout();
    };
    // Mail that is no reply to the engine sits in the same mailbox and is passed over.
    const stranger = await imapSession();
    await stranger.append(
      'INBOX',
      'From: news@example.org\r\nSubject: newsletter\r\nMessage-ID: <n@example.org>\r\n\r\nhello\r\n',
    );
    await stranger.logout();
    await appendReply('imap-one');
    await appendReply('imap-one', true);

    expect(await ensureMailboxPoll(client, taskQueue, 1)).toBe(true);
    expect(await ensureMailboxPoll(client, taskQueue, 1)).toBe(false);
    await waitFor(async () => paused('imap-one'), 'the IMAP reply pausing its lead');
    const items = await timeline('imap-one');
    expect(items.filter((e) => e.kind === 'reply_received').map((e) => e.detail.source)).toEqual(['imap']);
    expect(items.filter((e) => e.kind === 'auto_reply_received')).toHaveLength(1);
    const cursor = await waitFor(async () => {
      const row = (await pool.query<{ last_uid: string }>('SELECT last_uid FROM mailbox_cursors')).rows[0];
      return row && Number(row.last_uid) === 3 && row;
    }, 'the cursor after the three messages');
    expect(Number(cursor.last_uid)).toBe(3);

    // The worker stops and a new one starts: the poller continues after the stored UID.
    await stopWorker();
    await startWorker();
    await appendReply('imap-two');
    await waitFor(async () => paused('imap-two'), 'the reply that arrived after the restart');
    const replies = await pool.query<{ source_id: string }>(
      "SELECT source_id FROM events WHERE type IN ('reply', 'auto_reply') AND source_id LIKE 'reply:imap-%' ORDER BY id",
    );
    expect(replies.rows.map((r) => r.source_id)).toEqual([
      'reply:imap-imap-one-reply@client.example.jp',
      'reply:imap-imap-one-auto@client.example.jp',
      'reply:imap-imap-two-reply@client.example.jp',
    ]);
    expect((await timeline('imap-one')).filter((e) => e.kind === 'reply_received')).toHaveLength(1);
  });
});
