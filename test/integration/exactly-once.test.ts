import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import type pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../stack/free-port.ts';
import { leadSettled } from '../support/lead-settled.ts';
import { auth, createTestDatabase, startTestApp, uniqueTaskQueue, waitFor } from '../support/services.ts';
import { startWorkerProcess } from '../support/worker-process.ts';

// The hardest case for "never a duplicate email": the worker dies after the SMTP server
// has the message but before the server's "250 OK" reaches it. The production worker
// (worker/main.ts) runs as a child process so it can be killed for real.

describe('a worker killed in the middle of an SMTP send', () => {
  let app: FastifyInstance;
  let client: Client;
  let pool: pg.Pool;
  let databaseUrl: string;
  let smtpPort: number;
  const taskQueue = uniqueTaskQueue();
  const received: string[] = [];
  let holdNextAnswer = true;
  let dataArrived = false;
  const stops: (() => Promise<void>)[] = [];
  const workers: ChildProcess[] = [];

  beforeAll(async () => {
    const db = await createTestDatabase();
    ({ pool, url: databaseUrl } = db);
    const api = await startTestApp({ pool, taskQueue });
    ({ app, client } = api);
    stops.push(api.close, db.drop);
    // An SMTP server that stores each message, and holds its answer to the first one.
    const dir = await mkdtemp(path.join(tmpdir(), 'lle-once-'));
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const file = path.join(dir, `${received.length}.eml`);
          received.push(file);
          void writeFile(file, Buffer.concat(chunks)).then(() => {
            dataArrived = true;
            if (holdNextAnswer) {
              holdNextAnswer = false;
              setTimeout(() => callback(), 60_000).unref();
            } else {
              callback();
            }
          });
        });
      },
    });
    smtpPort = await freePort();
    await new Promise<void>((resolve) => server.listen(smtpPort, '127.0.0.1', resolve));
    stops.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  });
  afterAll(async () => {
    for (const worker of workers) if (worker.exitCode === null) worker.kill('SIGKILL');
    for (const stop of stops) await stop();
  });

  const startWorker = async (): Promise<ChildProcess> => {
    const { child } = await startWorkerProcess({
      DATABASE_URL: databaseUrl,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      LOG_LEVEL: 'warn',
    });
    workers.push(child);
    return child;
  };

  it(
    'delivers each touch exactly once: the message the server had is not sent again, the next touch goes out',
    { timeout: 300_000 },
    async () => {
      await app.inject({
        method: 'PUT',
        url: '/v1/templates/once',
        headers: auth,
        payload: {
          subject: 'Touch {{lead.name}}',
          mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hello</mj-text></mj-column></mj-section></mj-body></mjml>',
        },
      });
      await app.inject({
        method: 'PUT',
        url: '/v1/cadences/once',
        headers: auth,
        payload: {
          name: 'Once',
          nurture: {
            steps: [
              { after: 'PT1S', channel: 'email', template: 'once' },
              { after: 'PT2S', channel: 'email', template: 'once' },
            ],
          },
        },
      });
      const first = await startWorker();
      const created = await app.inject({
        method: 'POST',
        url: '/v1/leads',
        headers: auth,
        payload: { email: 'once@example.jp', name: 'One', cadence: 'once' },
      });
      expect(created.statusCode).toBe(201);

      // The server has the whole message and has not answered yet: kill the worker now.
      await waitFor(async () => dataArrived, 'the first message to reach the SMTP server', 60_000);
      first.kill('SIGKILL');
      await new Promise((resolve) => first.once('exit', resolve));
      await startWorker();

      // The second touch arrives; the first is never sent again. Both steps done and nothing
      // in flight (a resend would be a send activity still running or retried): the count is final.
      await waitFor(async () => received.length >= 2, 'the second touch', 90_000);
      const leadId = created.json<{ id: string }>().id;
      await leadSettled(
        client,
        leadId,
        async () =>
          (await app.inject({ method: 'GET', url: `/v1/leads/${leadId}`, headers: auth })).json<{
            nextTouchAt: string | null;
          }>().nextTouchAt === null,
      );
      expect(received).toHaveLength(2);
      const messageIds = await Promise.all(
        received.map(async (file) => (await simpleParser(await readFile(file))).messageId),
      );
      expect(new Set(messageIds).size).toBe(2);
      const deliveries = await pool.query<{ status: string }>(
        "SELECT status FROM deliveries WHERE kind = 'touch' ORDER BY id",
      );
      // The first is recorded as `unknown` (sent, as far as anyone can tell, and not resent).
      expect(deliveries.rows.map((r) => r.status)).toEqual(['unknown', 'sent']);
      expect((await readdir(path.dirname(received[0] as string))).length).toBe(2);
    },
  );
});
