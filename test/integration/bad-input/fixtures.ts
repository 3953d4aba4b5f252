import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { expect } from 'vitest';
import { signToken } from '../../../mail/tokens.ts';
import { APP_SECRET, auth, CRM_SECRET } from '../../support/services.ts';
import type { Fixtures } from './table.ts';

/** The credentials the suite's app is configured with. */
export const MAILGUN_KEY = 'bad-input-mailgun-signing-key';
export const ZOHO_TOKEN = 'bad-input-zoho-token-0123456789';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
export const SENDGRID_PUBLIC_KEY = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');

const seconds = () => String(Math.floor(Date.now() / 1000));

/** A lead, a DM task, an escalation and a key per role, made through the API where it can. */
export async function makeFixtures(app: FastifyInstance, pool: pg.Pool): Promise<Fixtures> {
  const leadEmail = 'fixture@example.jp';
  const created = await app.inject({ method: 'POST', url: '/v1/leads', headers: auth, payload: { email: leadEmail, name: 'Fixture' } });
  expect(created.statusCode).toBe(201);
  const leadId = created.json<{ id: string }>().id;
  const keys = {} as Fixtures['keys'];
  let apiKeyId = '';
  for (const role of ['marketer', 'sales', 'integration'] as const) {
    const key = await app.inject({ method: 'POST', url: '/v1/api-keys', headers: auth, payload: { name: `fixture ${role}`, role } });
    ({ key: keys[role], id: apiKeyId } = key.json<{ key: string; id: string }>());
  }
  // Tasks and escalations come from workflow steps; rows are enough for the routes that read them.
  const dmTaskId = (await pool.query<{ id: string }>(`INSERT INTO tasks (idempotency_key, lead_id, kind, template_key) VALUES ('fixture/dm', $1, 'dm', 'dm-catalog') RETURNING id`, [leadId])).rows[0]?.id ?? '';
  const escalationId = (await pool.query<{ id: string }>(`INSERT INTO escalations (idempotency_key, lead_id, kind, score) VALUES ('fixture/escalation', $1, 'sales', 60) RETURNING id`, [leadId])).rows[0]?.id ?? '';
  return {
    leadId,
    leadEmail,
    dmTaskId,
    escalationId,
    apiKeyId,
    keys,
    tokens: {
      unsubscribe: signToken(APP_SECRET, { p: 'unsubscribe', l: leadId }),
      open: signToken(APP_SECRET, { p: 'open', l: leadId, d: 'fixture/delivery' }),
      click: signToken(APP_SECRET, { p: 'click', l: leadId, d: 'fixture/delivery', u: 'https://example.com/' }),
    },
    sign: {
      generic: (raw) => ({ 'x-signature': `sha256=${createHmac('sha256', CRM_SECRET).update(raw).digest('hex')}` }),
      sendgrid: (raw, timestamp = seconds()) => ({
        'x-twilio-email-event-webhook-signature': sign('sha256', Buffer.concat([Buffer.from(timestamp), raw]), privateKey).toString('base64'),
        'x-twilio-email-event-webhook-timestamp': timestamp,
      }),
      zoho: () => ({ 'x-zoho-webhook-token': ZOHO_TOKEN }),
    },
    mailgunSignature: (timestamp = seconds()) => {
      const token = randomBytes(16).toString('hex');
      return { timestamp, token, signature: createHmac('sha256', MAILGUN_KEY).update(timestamp + token).digest('hex') };
    },
    get: async (url) => {
      const response = await app.inject({ method: 'GET', url, headers: auth });
      expect(response.statusCode, `GET ${url}`).toBe(200);
      return response.json();
    },
    query: async (sql, params = []) => (await pool.query<Record<string, unknown>>(sql, params)).rows,
  };
}
