import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client, Connection, type WorkflowClientInterceptor } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { FastifyInstance } from 'fastify';
import { simpleParser, type ParsedMail } from 'mailparser';
import pg from 'pg';
import { inject } from 'vitest';
import { buildApp } from '../../api/app.ts';
import { loadConfig, type Config, type ImapConfig } from '../../config/env.ts';
import type { ActivityDependencies } from '../../activities/dependencies.ts';
import type { CrmConnections } from '../../crm/providers.ts';
import { createPool } from '../../db/pool.ts';
import { TemplateCache } from '../../mail/render.ts';
import { createMailer, type Mailer } from '../../mail/transport.ts';
import { createWorker } from '../../worker/create-worker.ts';

/** The admin key every test app accepts. */
export const ADMIN_KEY = 'test-admin-key-0123456789';
/** Where test emails link to, and the secret their tokens are signed with. */
export const PUBLIC_BASE_URL = 'http://leads.test';
export const APP_SECRET = 'test-app-secret-0123456789-abcdefghij';
/** The sender identity of every test email. */
export const SENDER = {
  name: 'Example Co.',
  postalAddress: '〒100-0001 東京都千代田区千代田1-1',
  contact: '03-0000-0000',
};
/** The generic CRM webhook's HMAC secret in tests. */
export const CRM_SECRET = 'test-crm-webhook-secret';
/** The sender of every test email. */
export const MAIL_FROM = 'Example Co. <marketing@example.com>';

/** The shared services of this test run (see global-setup.ts). */
export const stack = () => inject('stack');

/**
 * A fresh database for one test file, copied from the migrated template database, so
 * files never see each other's rows.
 */
export async function createTestDatabase(): Promise<{ url: string; pool: pg.Pool; drop: () => Promise<void> }> {
  const templateUrl = new URL(stack().templateDatabaseUrl);
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({
    connectionString: Object.assign(new URL(templateUrl), { pathname: '/postgres' }).toString(),
  });
  await admin.connect();
  try {
    // Copying a template fails while another copy of it is being made: retry briefly.
    for (let attempt = 0; ; attempt++) {
      try {
        await admin.query(`CREATE DATABASE ${name} TEMPLATE ${templateUrl.pathname.slice(1)}`);
        break;
      } catch (error) {
        if (attempt > 20 || !/being accessed by other users/.test((error as Error).message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  } finally {
    await admin.end();
  }
  const url = Object.assign(new URL(templateUrl), { pathname: `/${name}` }).toString();
  const pool = createPool(url);
  return { url, pool, drop: () => pool.end() };
}

/** A unique task queue, so each test file's workflows run on its own worker only. */
export const uniqueTaskQueue = (): string => `test-${randomBytes(6).toString('hex')}`;

/** Who the test worker's activities send as and to: the test secrets, sender and SMTP server. */
export type TestWorkerOptions = {
  salesReps?: string[];
  salesManagerEmail?: string;
  salesWebhookUrl?: string;
  crm?: CrmConnections;
  imap?: ImapConfig;
  replyAddress?: string;
  consentRequired?: boolean;
};

/** The real activities' dependencies against the test database and SMTP server. */
export function testActivityDependencies(
  pool: pg.Pool,
  mailer: Mailer,
  options: TestWorkerOptions = {},
): ActivityDependencies {
  return {
    db: pool,
    mailer,
    templates: new TemplateCache(),
    mailFrom: MAIL_FROM,
    salesReps: options.salesReps ?? [],
    salesManagerEmail: options.salesManagerEmail,
    salesWebhookUrl: options.salesWebhookUrl,
    publicBaseUrl: PUBLIC_BASE_URL,
    appSecret: APP_SECRET,
    sender: SENDER,
    unsubscribeMailto: 'unsubscribe@example.com',
    crm: options.crm,
    imap: options.imap,
    replyAddress: options.replyAddress,
    consentRequired: options.consentRequired,
  };
}

/** A running worker with the real activities against the test database and SMTP server. */
export async function startTestWorker(
  options: { pool: pg.Pool; taskQueue: string } & TestWorkerOptions,
): Promise<{ worker: Worker; mailer: Mailer; stop: () => Promise<void> }> {
  const mailer = createMailer(stack().smtpUrl);
  const { worker, connection } = await createWorker(
    {
      connection: { address: stack().temporalAddress },
      namespace: 'default',
      taskQueue: options.taskQueue,
      workflowBundle: { code: stack().workflowBundleCode },
    },
    testActivityDependencies(options.pool, mailer, options),
  );
  const running = worker.run();
  return {
    worker,
    mailer,
    stop: async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      mailer.close();
      await connection.close();
    },
  };
}

/** The API, built as production builds it, against the test database and Temporal. */
export async function startTestApp(options: {
  pool: pg.Pool;
  taskQueue: string;
  outboxDir?: string;
  config?: Partial<Config>;
  clientInterceptors?: WorkflowClientInterceptor[];
}): Promise<{ app: FastifyInstance; client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: stack().temporalAddress });
  const client = new Client({
    connection,
    namespace: 'default',
    ...(options.clientInterceptors ? { interceptors: { workflow: options.clientInterceptors } } : {}),
  });
  const app = await buildApp({
    config: testAppConfig({ temporalTaskQueue: options.taskQueue, outboxDir: options.outboxDir, ...options.config }),
    db: options.pool,
    temporal: { client, connection },
  });
  return {
    app,
    client,
    close: async () => {
      await app.close();
      await connection.close();
    },
  };
}

/** The configuration test apps run with: the test secrets and sender, and `overrides`. */
export function testAppConfig(overrides: Partial<Config> = {}): Config {
  return {
    // Tests poll hard; the rate limit is tested on its own with a low setting.
    ...loadConfig({
      MAIL_FROM,
      APP_SECRET,
      ADMIN_API_KEY: ADMIN_KEY,
      CRM_WEBHOOK_SECRET: CRM_SECRET,
      PUBLIC_BASE_URL,
      SENDER_POSTAL_ADDRESS: SENDER.postalAddress,
      SENDER_CONTACT: SENDER.contact,
      RATE_LIMIT_PER_MINUTE: '1000000',
      AUTH_FAILURES_PER_MINUTE: '1000000',
    }),
    ...overrides,
  };
}

/**
 * A test file's own slice of the real services: a fresh database, a worker on its own
 * task queue (unless `worker: false`) and the API built as production builds it
 * (its Temporal client with `clientInterceptors`, for tests that watch what it asks of Temporal).
 */
export async function startTestServices(
  options: {
    worker?: boolean;
    workerOptions?: TestWorkerOptions;
    config?: Partial<Config>;
    clientInterceptors?: WorkflowClientInterceptor[];
  } = {},
): Promise<{ pool: pg.Pool; app: FastifyInstance; client: Client; taskQueue: string; stop: () => Promise<void> }> {
  const db = await createTestDatabase();
  const taskQueue = uniqueTaskQueue();
  const worker =
    options.worker === false
      ? undefined
      : await startTestWorker({ pool: db.pool, taskQueue, ...options.workerOptions });
  const api = await startTestApp({
    pool: db.pool,
    taskQueue,
    ...(options.config ? { config: options.config } : {}),
    ...(options.clientInterceptors ? { clientInterceptors: options.clientInterceptors } : {}),
  });
  return {
    pool: db.pool,
    app: api.app,
    client: api.client,
    taskQueue,
    stop: async () => {
      await api.close();
      await worker?.stop();
      await db.drop();
    },
  };
}

/** Headers of an authenticated JSON request. */
export const auth = { authorization: `Bearer ${ADMIN_KEY}` };

/**
 * No wait gives up sooner than this. A wait ends as soon as its event happens, so a long
 * limit costs time only when the test fails anyway; a short one fails a working test on a
 * loaded machine (at load average 30 on two cores, one CI-like run saw a Temporal timer
 * fire and its activity finish 30 s late).
 */
const WAIT_FLOOR_MS = 120_000;

/**
 * Polls `probe` until it returns a value other than undefined/false, or fails after
 * `timeoutMs` (at least {@link WAIT_FLOOR_MS}).
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  what: string,
  timeoutMs = WAIT_FLOOR_MS,
): Promise<T> {
  const limit = Math.max(timeoutMs, WAIT_FLOOR_MS);
  const deadline = Date.now() + limit;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${limit} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Every message the test SMTP server received for `recipient`, oldest first, parsed. */
export async function mailTo(recipient: string, outboxDir = stack().outboxDir): Promise<ParsedMail[]> {
  const files = (await readdir(outboxDir)).filter((f) => f.endsWith('.eml')).sort();
  const mails: ParsedMail[] = [];
  for (const file of files) {
    const raw = await readFile(path.join(outboxDir, file));
    const envelope = /^X-Capture-Envelope-To: (.*)$/m.exec(raw.subarray(0, 2000).toString())?.[1] ?? '';
    if (envelope.split(', ').some((a) => a.toLowerCase() === recipient.toLowerCase()))
      mails.push(await simpleParser(raw));
  }
  return mails;
}
