import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type pg from 'pg';
import { expect } from 'vitest';
import { loadConfig, type Config } from '../../../config/env.ts';
import { hubspotSignatureV3 } from '../../../crm/hubspot/signature.ts';
import { signToken } from '../../../mail/tokens.ts';
import type { Client } from '@temporalio/client';
import { APP_SECRET, auth, CRM_SECRET, PUBLIC_BASE_URL, startTestServices } from '../../support/services.ts';
import { recordTemporalCommands, type TemporalCommand } from '../../support/state-snapshot.ts';
import { hubspotEventKey } from '../../../crm/hubspot/webhook-events.ts';
import { notificationEventId } from '../../../api/routes/webhooks-zoho-notifications.ts';
import type { ConsoleSession, Fixtures } from './table.ts';

/** The credentials the suite's app is configured with. */
export const MAILGUN_KEY = 'bad-input-mailgun-signing-key';
/** Not the app's secret: tokens signed with it are forgeries. */
const FORGING_SECRET = 'not-the-app-secret-0123456789-abcdefghij';
export const ZOHO_TOKEN = 'bad-input-zoho-token-0123456789';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
export const SENDGRID_PUBLIC_KEY = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
export const HUBSPOT_SECRET = 'bad-input-hubspot-client-secret';
export const ZOHO_NOTIFICATION_TOKEN = 'bad-input-zoho-notify-token';
export const ZOHO_CHANNEL_ID = '1000000068001';
/** A HubSpot event and a Zoho callback whose receipts the fixtures record: sent again, they must start nothing. */
export const REPLAYED_HUBSPOT_EVENT = {
  eventId: 1,
  subscriptionId: 25,
  portalId: 62515,
  appId: 3000,
  occurredAt: 1767571200000,
  subscriptionType: 'contact.propertyChange',
  attemptNumber: 0,
  objectId: 501,
  propertyName: 'email',
  propertyValue: 'a@example.jp',
  changeSource: 'CRM',
};
export const REPLAYED_ZOHO_NOTIFICATION = {
  server_time: 1767571200000,
  module: 'Leads',
  ids: ['4150868000000225013'],
  operation: 'update',
  channel_id: ZOHO_CHANNEL_ID,
  token: ZOHO_NOTIFICATION_TOKEN,
};

/**
 * The suite's app configuration: every signed webhook on, and an outbox folder holding one
 * message, beside a file the outbox routes must never reach.
 */
/** What the bad-input and fuzz suites run against. */
export interface HostileInputSuite {
  app: FastifyInstance;
  pool: pg.Pool;
  client: Client;
  taskQueue: string;
  f: Fixtures;
  /** Every workflow start and signal the app's Temporal client made, in order. */
  commands: TemporalCommand[];
  stop: () => Promise<void>;
}

/**
 * The services both suites use: no worker (workflows are started and signalled but never
 * run, so nothing moves on its own), the suite's configuration, and the fixtures.
 */
export async function startHostileInputSuite(): Promise<HostileInputSuite> {
  const { interceptor, commands } = recordTemporalCommands();
  const services = await startTestServices({
    worker: false,
    config: await suiteConfig(),
    clientInterceptors: [interceptor],
  });
  return {
    app: services.app,
    pool: services.pool,
    client: services.client,
    taskQueue: services.taskQueue,
    f: await makeFixtures(services.app, services.pool),
    commands,
    stop: services.stop,
  };
}

export async function suiteConfig(): Promise<Partial<Config>> {
  const root = await mkdtemp(path.join(tmpdir(), 'bad-input-'));
  const outboxDir = path.join(root, 'outbox');
  await mkdir(outboxDir);
  await writeFile(path.join(root, 'secret.eml'), 'Subject: not in the outbox\r\n\r\nsecret\r\n');
  await writeFile(
    path.join(outboxDir, '176757120000000-1234-000001.eml'),
    'From: a@example.com\r\nTo: b@example.jp\r\nSubject: fixture\r\n\r\nhello\r\n',
  );
  const zoho = loadConfig({
    PUBLIC_BASE_URL,
    ZOHO_CLIENT_ID: 'bad-input-client',
    ZOHO_CLIENT_SECRET: 'bad-input-client-secret',
    ZOHO_REFRESH_TOKEN: 'bad-input-refresh-token',
    ZOHO_API_BASE_URL: 'http://127.0.0.1:9',
    ZOHO_ACCOUNTS_URL: 'http://127.0.0.1:9',
  }).zoho;
  return {
    mailgunWebhookSigningKey: MAILGUN_KEY,
    sendgridWebhookPublicKey: SENDGRID_PUBLIC_KEY,
    zohoWebhookToken: ZOHO_TOKEN,
    hubspotClientSecret: HUBSPOT_SECRET,
    zohoNotificationToken: ZOHO_NOTIFICATION_TOKEN,
    zohoNotificationChannelId: ZOHO_CHANNEL_ID,
    zoho,
    outboxDir,
  };
}

const cookiesOf = (response: LightMyRequestResponse) =>
  response.cookies
    .filter((c) => c.value !== '')
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
const hiddenCsrf = (page: string) => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';

/** The sign-in form's pre-session cookie and hidden token, as a browser gets them. */
async function signInForm(app: FastifyInstance): Promise<ConsoleSession> {
  const form = await app.inject({ method: 'GET', url: '/sign-in' });
  expect(form.statusCode).toBe(200);
  return { cookie: cookiesOf(form), csrf: hiddenCsrf(form.body) };
}

/** Signs in through the real forms, as a person does, and reads the session's CSRF token off a page. */
async function signIn(app: FastifyInstance, key: string): Promise<ConsoleSession> {
  const form = await signInForm(app);
  const signedIn = await app.inject({
    method: 'POST',
    url: '/sign-in',
    headers: { cookie: form.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ key, _csrf: form.csrf, lang: 'en' }).toString(),
  });
  expect(signedIn.statusCode, signedIn.body.slice(0, 300)).toBe(303);
  const cookie = cookiesOf(signedIn);
  const home = await app.inject({ method: 'GET', url: '/', headers: { cookie } });
  expect(home.statusCode).toBe(200);
  return { cookie, csrf: hiddenCsrf(home.body) };
}

const seconds = () => String(Math.floor(Date.now() / 1000));

/** A lead, a DM task, an escalation and a key per role, made through the API where it can. */
export async function makeFixtures(app: FastifyInstance, pool: pg.Pool): Promise<Fixtures> {
  const leadEmail = 'fixture@example.jp';
  const created = await app.inject({
    method: 'POST',
    url: '/v1/leads',
    headers: auth,
    payload: { email: leadEmail, name: 'Fixture' },
  });
  expect(created.statusCode).toBe(201);
  const leadId = created.json<{ id: string }>().id;
  const keys = {} as Fixtures['keys'];
  let apiKeyId = '';
  for (const role of ['marketer', 'sales', 'integration'] as const) {
    const key = await app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: auth,
      payload: { name: `fixture ${role}`, role },
    });
    ({ key: keys[role], id: apiKeyId } = key.json<{ key: string; id: string }>());
  }
  // Tasks and escalations come from workflow steps; rows are enough for the routes that read them.
  const dmTaskId =
    (
      await pool.query<{ id: string }>(
        `INSERT INTO tasks (idempotency_key, lead_id, kind, template_key) VALUES ('fixture/dm', $1, 'dm', 'dm-catalog') RETURNING id`,
        [leadId],
      )
    ).rows[0]?.id ?? '';
  const todoTaskId =
    (
      await pool.query<{ id: string }>(
        `INSERT INTO tasks (idempotency_key, lead_id, kind, title, owner_email, status, due_at, completed_at, note)
       VALUES ('fixture/todo', $1, 'todo', '定例面談を設定する', 'rep@example.jp', 'done', now(), now(), 'done before the suite') RETURNING id`,
        [leadId],
      )
    ).rows[0]?.id ?? '';
  // Receipts as if these had come before: the replay rows must start no workflow.
  await pool.query(
    `INSERT INTO webhook_receipts (provider, event_id) VALUES ('hubspot', $1), ('zoho-notification', $2)`,
    [
      hubspotEventKey(REPLAYED_HUBSPOT_EVENT),
      notificationEventId(REPLAYED_ZOHO_NOTIFICATION as Parameters<typeof notificationEventId>[0]),
    ],
  );
  const escalationId =
    (
      await pool.query<{ id: string }>(
        `INSERT INTO escalations (idempotency_key, lead_id, kind, score) VALUES ('fixture/escalation', $1, 'sales', 60) RETURNING id`,
        [leadId],
      )
    ).rows[0]?.id ?? '';
  const accountId =
    (await pool.query<{ account_id: string }>('SELECT account_id FROM leads WHERE id = $1', [leadId])).rows[0]
      ?.account_id ?? '';
  expect(accountId, 'the fixture lead has an account').not.toBe('');
  // A saved segment, for the console's segment page (a name no row of the API's table uses).
  const segment = await app.inject({
    method: 'POST',
    url: '/v1/segments',
    headers: auth,
    payload: { name: 'fixture segment', query: { stages: ['nurturing'] } },
  });
  expect(segment.statusCode).toBe(201);
  const segmentId = segment.json<{ id: string }>().id;
  return {
    leadId,
    accountId,
    segmentId,
    leadEmail,
    dmTaskId,
    todoTaskId,
    escalationId,
    apiKeyId,
    keys,
    tokens: {
      unsubscribe: signToken(APP_SECRET, { p: 'unsubscribe', l: leadId }),
      open: signToken(APP_SECRET, { p: 'open', l: leadId, d: 'fixture/delivery' }),
      click: signToken(APP_SECRET, { p: 'click', l: leadId, d: 'fixture/delivery', u: 'https://example.com/' }),
    },
    // The same complete payloads signed with another secret: only the MAC check refuses them.
    forged: {
      unsubscribe: signToken(FORGING_SECRET, { p: 'unsubscribe', l: leadId }),
      open: signToken(FORGING_SECRET, { p: 'open', l: leadId, d: 'fixture/delivery' }),
      click: signToken(FORGING_SECRET, { p: 'click', l: leadId, d: 'fixture/delivery', u: 'https://example.com/' }),
    },
    sign: {
      generic: (raw) => ({ 'x-signature': `sha256=${createHmac('sha256', CRM_SECRET).update(raw).digest('hex')}` }),
      sendgrid: (raw, timestamp = seconds()) => ({
        'x-twilio-email-event-webhook-signature': sign(
          'sha256',
          Buffer.concat([Buffer.from(timestamp), raw]),
          privateKey,
        ).toString('base64'),
        'x-twilio-email-event-webhook-timestamp': timestamp,
      }),
      zoho: () => ({ 'x-zoho-webhook-token': ZOHO_TOKEN }),
      hubspot: (raw, timestamp = String(Date.now())) => ({
        'x-hubspot-request-timestamp': timestamp,
        'x-hubspot-signature-v3': hubspotSignatureV3(
          HUBSPOT_SECRET,
          'POST',
          `${PUBLIC_BASE_URL}/v1/webhooks/crm/hubspot`,
          raw,
          timestamp,
        ),
      }),
    },
    sessions: {
      marketer: await signIn(app, keys.marketer),
      sales: await signIn(app, keys.sales),
      signInForm: await signInForm(app),
    },
    outboxMessageId: '176757120000000-1234-000001',
    mailgunSignature: (timestamp = seconds()) => {
      const token = randomBytes(16).toString('hex');
      return {
        timestamp,
        token,
        signature: createHmac('sha256', MAILGUN_KEY)
          .update(timestamp + token)
          .digest('hex'),
      };
    },
    get: async (url) => {
      const response = await app.inject({ method: 'GET', url, headers: auth });
      expect(response.statusCode, `GET ${url}`).toBe(200);
      return response.json();
    },
    query: async (sql, params = []) => (await pool.query<Record<string, unknown>>(sql, params)).rows,
  };
}
