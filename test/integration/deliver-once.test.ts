import type { Socket } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverOnce, failDelivery, type OnceMessage } from '../../activities/deliver-once.ts';
import { createMailer, type Mailer } from '../../mail/transport.ts';
import { createTestDatabase, MAIL_FROM } from '../support/services.ts';

// deliverOnce against a real SMTP server (smtp-server, as the capture server is) that
// misbehaves on cue: answers 421 or 550 to a message, or cuts the connection in the middle
// of it. The activity runs in Temporal's activity test environment; "Temporal's retry" is
// calling it again with the same message, which is what a retry attempt does.

type Behaviour = 'accept' | '421' | '550' | 'cut';

/** An SMTP server that treats each message by the next behaviour queued (accepting when none is). */
async function startMisbehavingSmtp() {
  const queue: Behaviour[] = [];
  const accepted: { to: string[]; raw: string }[] = [];
  /** Every message that reached DATA, whatever became of it. */
  let attempts = 0;
  const sockets = new Set<Socket>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      attempts++;
      const behaviour = queue.shift() ?? 'accept';
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (behaviour === 'cut') {
          // The connection drops before the server answers the message.
          for (const socket of sockets) socket.destroy();
          return;
        }
        if (behaviour === '421' || behaviour === '550') {
          const message = behaviour === '421' ? 'Service not available, try again later' : 'Mailbox unavailable';
          callback(Object.assign(new Error(message), { responseCode: Number(behaviour) }));
          return;
        }
        accepted.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    accepted,
    attempts: () => attempts,
    /** The next messages get these behaviours, in order. */
    next: (...behaviours: Behaviour[]) => queue.push(...behaviours),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('deliverOnce against a misbehaving SMTP server', () => {
  let pool: pg.Pool;
  let drop: () => Promise<void>;
  let smtp: Awaited<ReturnType<typeof startMisbehavingSmtp>>;
  let mailer: Mailer;
  let leadId: string;

  beforeAll(async () => {
    ({ pool, drop } = await createTestDatabase());
    smtp = await startMisbehavingSmtp();
    mailer = createMailer(smtp.url);
    leadId = (
      await pool.query<{ id: string }>(
        "INSERT INTO leads (email, cadence_key) VALUES ('once@example.jp', 'default') RETURNING id",
      )
    ).rows[0]!.id;
  });
  afterAll(async () => {
    mailer.close();
    await smtp.close();
    await drop();
  });

  let renders = 0;
  const message = (key: string): OnceMessage => ({
    idempotencyKey: key,
    leadId,
    kind: 'touch',
    templateKey: 'n1',
    to: 'once@example.jp',
    render: () => {
      renders++;
      return Promise.resolve({ subject: `Subject ${key}`, html: `<p>${key}</p>`, text: key });
    },
  });
  const attempt = (key: string) =>
    new MockActivityEnvironment().run(deliverOnce, { db: pool, mailer, mailFrom: MAIL_FROM }, message(key));
  const row = async (key: string) =>
    (
      await pool.query<{ status: string; error: string | null }>(
        'SELECT status, error FROM deliveries WHERE idempotency_key = $1',
        [key],
      )
    ).rows[0];
  const received = (key: string) => smtp.accepted.filter((m) => m.raw.includes(`Subject ${key}`));
  /** What Temporal makes of a thrown error: retried unless it is a non-retryable ApplicationFailure. */
  const retryable = (error: unknown) => !(error instanceof ApplicationFailure && error.nonRetryable);

  it('puts the row back after a 421 and sends it once on the retry', async () => {
    smtp.next('421');
    const first = await attempt('once-421').catch((error: unknown) => error);
    expect(first).toBeInstanceOf(Error);
    expect(retryable(first)).toBe(true);
    expect(await row('once-421')).toMatchObject({ status: 'pending', error: expect.stringContaining('421') });
    expect(received('once-421')).toHaveLength(0);

    await expect(attempt('once-421')).resolves.toMatchObject({ outcome: 'sent' });
    expect(await row('once-421')).toMatchObject({ status: 'sent' });
    expect(received('once-421')).toHaveLength(1);
    // A later attempt (a retry after the activity's reply was lost) finds it sent.
    await expect(attempt('once-421')).resolves.toMatchObject({ outcome: 'already-sent' });
    expect(received('once-421')).toHaveLength(1);
  });

  it('puts the row back when the connection is cut mid-message, and sends it once on the retry', async () => {
    smtp.next('cut');
    const first = await attempt('once-cut').catch((error: unknown) => error);
    expect(first).toBeInstanceOf(Error);
    expect(retryable(first)).toBe(true);
    expect(await row('once-cut')).toMatchObject({ status: 'pending' });
    expect(received('once-cut')).toHaveLength(0);

    await expect(attempt('once-cut')).resolves.toMatchObject({ outcome: 'sent' });
    expect(received('once-cut')).toHaveLength(1);
    expect(await row('once-cut')).toMatchObject({ status: 'sent' });
  });

  it('marks the row failed on a 550 and does not retry it', async () => {
    smtp.next('550');
    const first = await attempt('once-550').catch((error: unknown) => error);
    expect(first).toBeInstanceOf(ApplicationFailure);
    expect(first).toMatchObject({ nonRetryable: true, type: 'MailRejected' });
    expect(await row('once-550')).toMatchObject({ status: 'failed', error: expect.stringContaining('550') });

    // Were it attempted again anyway, nothing reaches the server.
    const attemptsBefore = smtp.attempts();
    await expect(attempt('once-550')).rejects.toMatchObject({ nonRetryable: true, type: 'DeliveryFailed' });
    expect(smtp.attempts()).toBe(attemptsBefore);
    expect(received('once-550')).toHaveLength(0);
  });

  it('does not send, or render, a message whose row has already failed', async () => {
    // A row failed before sending (a template that did not compile).
    await pool.query(
      "INSERT INTO deliveries (idempotency_key, lead_id, template_key, message_id, recipient) VALUES ('once-failed', $1, 'n1', '<x@example.com>', 'once@example.jp')",
      [leadId],
    );
    await new MockActivityEnvironment().run(failDelivery, { db: pool }, 'once-failed', 'the template does not compile');
    const attemptsBefore = smtp.attempts();
    const rendersBefore = renders;
    await expect(attempt('once-failed')).rejects.toMatchObject({
      nonRetryable: true,
      type: 'DeliveryFailed',
      message: 'the template does not compile',
    });
    expect(smtp.attempts()).toBe(attemptsBefore);
    expect(renders).toBe(rendersBefore);
    expect(await row('once-failed')).toMatchObject({ status: 'failed' });
  });

  it('delivers exactly one message when the server first answers 421 and then accepts', async () => {
    smtp.next('421', 'accept');
    const attemptsBefore = smtp.attempts();
    let outcome: unknown;
    // Temporal's retry, attempt after attempt until one returns.
    for (let i = 0; i < 5 && outcome === undefined; i++) {
      outcome = await attempt('once-421-then-ok').catch((error: unknown) => {
        if (!retryable(error)) throw error;
        return undefined;
      });
    }
    expect(outcome).toMatchObject({ outcome: 'sent' });
    expect(smtp.attempts() - attemptsBefore).toBe(2);
    expect(received('once-421-then-ok')).toHaveLength(1);
  });
});
