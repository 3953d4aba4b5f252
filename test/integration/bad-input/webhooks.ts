import {
  bodyCases,
  data,
  missingFieldCases,
  send,
  strict,
  stringFieldCases,
  type BodyRoute,
  type FieldKind,
} from './cases.ts';
import { expect } from 'vitest';
import { REPLAYED_HUBSPOT_EVENT, REPLAYED_ZOHO_NOTIFICATION, ZOHO_CHANNEL_ID } from './fixtures.ts';
import { inboundMailRows } from './inbound-mail.ts';
import type { Fixtures, Row } from './table.ts';

// CRM and mail provider webhooks: no API key, each provider's own signature or token.

const now = () => new Date().toISOString();
const receipts = (f: Fixtures) => f.query('SELECT event_id FROM webhook_receipts');

// Deal events are diffed against the deal's last known state (intake/crm-events.ts): a
// stage seen before signals nothing. Each body names a stage the deal has not had yet, so
// a row that stores a deal event (the hostile ids) is a real change, one signal.
let dealStages = 0;
const generic: BodyRoute = {
  route: 'POST /v1/webhooks/crm/generic',
  url: () => '/v1/webhooks/crm/generic',
  credentials: (f, raw) => f.sign.generic(raw),
  valid: (f) => ({
    id: `deal-${now()}`,
    type: 'deal.stage_changed',
    occurredAt: now(),
    data: { leadId: f.leadId, stage: `Proposal ${++dealStages}`, amount: 1000 },
  }),
  empty: 422,
};

const zoho: BodyRoute = {
  route: 'POST /v1/webhooks/crm/zoho',
  url: () => '/v1/webhooks/crm/zoho',
  credentials: (f) => f.sign.zoho(),
  valid: (f) => ({
    module: 'Leads',
    record_id: '4150868000000225013',
    email: f.leadEmail,
    last_name: '山田',
    first_name: '太郎',
    company: '山田商事',
  }),
  open: true,
};
// The record updates the fixture lead's profile and leaves a receipt; no workflow is signalled.
const zohoLead = data(200, (f) => f.get(`/v1/leads/${f.leadId}`), { changesOnly: ['leads', 'webhook_receipts'] });

const mailgun: BodyRoute = {
  route: 'POST /v1/webhooks/mail/mailgun',
  url: () => '/v1/webhooks/mail/mailgun',
  credentials: () => ({}),
  valid: (f) => ({
    signature: f.mailgunSignature(),
    'event-data': { event: 'failed', severity: 'permanent', recipient: 'stranger@example.jp', id: 'mg-1' },
  }),
  open: true,
  empty: 422,
};

const sendgrid: BodyRoute = {
  route: 'POST /v1/webhooks/mail/sendgrid',
  url: () => '/v1/webhooks/mail/sendgrid',
  credentials: (f, raw) => f.sign.sendgrid(raw),
  valid: () => [
    {
      email: 'stranger@example.jp',
      event: 'bounce',
      type: 'bounce',
      sg_event_id: 'sg-1',
      timestamp: Math.floor(Date.now() / 1000),
    },
  ],
  open: true,
  empty: 422,
};
// Reports about addresses that are no lead are acknowledged and change nothing.
const ignored = (max: number): FieldKind => ({ kind: 'ignored', max });

const hubspot: BodyRoute = {
  route: 'POST /v1/webhooks/crm/hubspot',
  url: () => '/v1/webhooks/crm/hubspot',
  credentials: (f, raw) => f.sign.hubspot(raw),
  // A fresh event would start a fetch workflow: rows that pass every check send the recorded one.
  valid: () => [{ ...REPLAYED_HUBSPOT_EVENT, eventId: 2, objectId: 502 }],
  open: true,
  empty: 422,
};

const zohoNotifications: BodyRoute = {
  route: 'POST /v1/webhooks/crm/zoho/notifications',
  url: () => '/v1/webhooks/crm/zoho/notifications',
  credentials: () => ({}),
  valid: () => ({ ...REPLAYED_ZOHO_NOTIFICATION, server_time: Date.now() }),
  open: true,
};

const json = (value: unknown) => JSON.stringify(value);
const forged = (
  r: BodyRoute,
  name: string,
  headers: (f: Fixtures) => Record<string, string>,
  body?: (f: Fixtures) => unknown,
): Row => ({
  route: r.route,
  case: name,
  request: (f) => {
    const raw = Buffer.from(json(body ? body(f) : r.valid(f)));
    return {
      method: 'POST',
      url: r.url(f),
      headers: { 'content-type': 'application/json', ...headers(f) },
      payload: raw,
    };
  },
  status: 401,
});

const secondsAgo = (s: number) => String(Date.now() - s * 1000);
const hubspotRows: Row[] = [
  ...bodyCases(hubspot).filter(
    (row) => !['an array instead of an object', '10,000 nested objects in a field'].includes(row.case),
  ),
  {
    route: hubspot.route,
    case: '10,000 nested objects in an event',
    request: (f) =>
      send(
        hubspot,
        f,
        `[{"occurredAt":1,"subscriptionType":"contact.creation","objectId":1,"nested":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}]`,
      ),
    status: 422,
    code: 'invalid',
  },
  {
    route: hubspot.route,
    case: 'an object instead of a batch',
    request: (f) => send(hubspot, f, json((hubspot.valid(f) as object[])[0])),
    status: 422,
    code: 'invalid',
  },
  {
    route: hubspot.route,
    case: 'an empty batch',
    request: (f) => send(hubspot, f, '[]'),
    status: 422,
    code: 'invalid',
  },
  {
    route: hubspot.route,
    case: '1,001 events',
    request: (f) => send(hubspot, f, json(Array.from({ length: 1001 }, () => (hubspot.valid(f) as object[])[0]))),
    status: 422,
    code: 'invalid',
  },
  ...missingFieldCases(hubspot, ['/0/occurredAt', '/0/subscriptionType', '/0/objectId']),
  // An unknown subscription type is acknowledged and ignored: HubSpot adds types.
  ...stringFieldCases(hubspot, { '/0/subscriptionType': ignored(100), '/0/objectId': strict }),
  forged(hubspot, 'no signature headers', () => ({})),
  forged(hubspot, 'a timestamp without a signature', () => ({ 'x-hubspot-request-timestamp': String(Date.now()) })),
  forged(hubspot, 'a forged signature', () => ({
    'x-hubspot-request-timestamp': String(Date.now()),
    'x-hubspot-signature-v3': Buffer.alloc(32, 1).toString('base64'),
  })),
  forged(hubspot, 'a signature of other bytes', (f) => f.sign.hubspot(Buffer.from('[]'))),
  forged(hubspot, 'an expired timestamp, validly signed', (f) =>
    f.sign.hubspot(Buffer.from(json(hubspot.valid(f))), secondsAgo(301)),
  ),
  forged(hubspot, 'a timestamp in seconds, not milliseconds', (f) =>
    f.sign.hubspot(Buffer.from(json(hubspot.valid(f))), String(Math.floor(Date.now() / 1000))),
  ),
  forged(hubspot, 'a timestamp that is no number', () => ({
    'x-hubspot-request-timestamp': "1' OR '1'='1",
    'x-hubspot-signature-v3': 'AAAA',
  })),
  forged(hubspot, 'a v1 signature header only', () => ({ 'x-hubspot-signature': 'ab'.repeat(32) })),
  {
    route: hubspot.route,
    case: 'an event already received',
    request: (f) => send(hubspot, f, json([REPLAYED_HUBSPOT_EVENT])),
    status: 200,
    replay: true,
    stored: async (_f, response) => expect(response.json()).toMatchObject({ received: 1, accepted: 0, duplicates: 1 }),
  },
];

const zohoNotificationRows: Row[] = [
  ...bodyCases(zohoNotifications).filter(
    (row) => !['an array instead of an object', '10,000 nested arrays'].includes(row.case),
  ),
  // Without the token there is no caller to tell about the shape.
  forged(
    zohoNotifications,
    'an array instead of an object',
    () => ({}),
    (f) => [zohoNotifications.valid(f)],
  ),
  forged(
    zohoNotifications,
    '10,000 nested arrays',
    () => ({}),
    () => JSON.parse(`${'['.repeat(100)}${']'.repeat(100)}`),
  ),
  ...missingFieldCases(zohoNotifications, ['/module', '/ids', '/operation', '/server_time']),
  // A module the engine does not follow is acknowledged and ignored.
  ...stringFieldCases(zohoNotifications, { '/module': ignored(100), '/operation': strict, '/ids/0': strict }),
  {
    route: zohoNotifications.route,
    case: '501 ids',
    request: (f) =>
      send(
        zohoNotifications,
        f,
        json({ ...(zohoNotifications.valid(f) as object), ids: Array.from({ length: 501 }, (_, i) => String(i)) }),
      ),
    status: 422,
    code: 'invalid',
    names: ['ids'],
  },
  forged(
    zohoNotifications,
    'a wrong token',
    () => ({}),
    (f) => ({ ...(zohoNotifications.valid(f) as object), token: 'not-the-notify-token' }),
  ),
  forged(
    zohoNotifications,
    'no token',
    () => ({}),
    (f) => ({ ...(zohoNotifications.valid(f) as object), token: undefined }),
  ),
  forged(
    zohoNotifications,
    'the token in a header instead',
    () => ({ 'x-zoho-webhook-token': REPLAYED_ZOHO_NOTIFICATION.token }),
    (f) => ({ ...(zohoNotifications.valid(f) as object), token: undefined }),
  ),
  forged(
    zohoNotifications,
    'the token as a number',
    () => ({}),
    (f) => ({ ...(zohoNotifications.valid(f) as object), token: 12345 }),
  ),
  forged(
    zohoNotifications,
    'another channel',
    () => ({}),
    (f) => ({ ...(zohoNotifications.valid(f) as object), channel_id: `${ZOHO_CHANNEL_ID}9` }),
  ),
  forged(
    zohoNotifications,
    'the channel missing',
    () => ({}),
    (f) => ({ ...(zohoNotifications.valid(f) as object), channel_id: undefined }),
  ),
  {
    route: zohoNotifications.route,
    case: 'a callback already received',
    request: (f) => send(zohoNotifications, f, json(REPLAYED_ZOHO_NOTIFICATION)),
    status: 200,
    replay: true,
    stored: async (_f, response) => expect(response.json()).toMatchObject({ received: true, duplicate: true }),
  },
  forged(
    zohoNotifications,
    'the channel id as a JSON number of another channel',
    () => ({}),
    (f) => ({ ...(zohoNotifications.valid(f) as object), channel_id: Number(ZOHO_CHANNEL_ID) + 1 }),
  ),
];

/** The table's rows for the webhooks. */
export const webhookRows: Row[] = [
  ...bodyCases(generic),
  ...missingFieldCases(generic, ['/id', '/type', '/data']),
  ...stringFieldCases(generic, {
    // A new event: its receipt, and the deal change signalled to the fixture lead's workflow.
    '/id': data(200, receipts, { changesOnly: ['webhook_receipts'], temporal: 'signal' }),
    '/type': strict,
    '/occurredAt': strict,
    '/data/leadId': strict,
    '/data/stage': { kind: 'ignored', max: 100 },
  }).filter((row) => !(row.case.startsWith('/data/stage') && row.status !== 422)),
  forged(generic, 'no X-Signature', () => ({})),
  forged(generic, 'a forged X-Signature', () => ({ 'x-signature': `sha256=${'ab'.repeat(32)}` })),
  forged(generic, 'a signature of other bytes', (f) => f.sign.generic(Buffer.from('{}'))),
  forged(generic, 'a SHA-1 signature header', () => ({ 'x-signature': `sha1=${'ab'.repeat(20)}` })),
  {
    route: generic.route,
    case: 'the same event id again',
    request: (f) => send(generic, f, json({ ...(generic.valid(f) as object), id: 'replayed-deal' })),
    status: 200,
    replay: true,
  },
  // Updates the fixture lead's profile and keeps a receipt (the lead exists: no start, no signal).
  {
    route: generic.route,
    case: 'lead.created with hostile profile text stored verbatim',
    request: (f) =>
      send(
        generic,
        f,
        json({
          id: `lead-${now()}`,
          type: 'lead.created',
          occurredAt: now(),
          data: { email: f.leadEmail, name: "'; DROP TABLE leads;--", company: '<script>alert(1)</script>' },
        }),
      ),
    status: 200,
    changesOnly: ['leads', 'webhook_receipts'],
    stored: async (f) =>
      expect(await f.get(`/v1/leads/${f.leadId}`)).toMatchObject({
        profile: { name: "'; DROP TABLE leads;--", company: '<script>alert(1)</script>' },
      }),
  },
  {
    route: generic.route,
    case: 'lead.created with an invalid lead in data',
    request: (f) =>
      send(
        generic,
        f,
        json({
          id: `lead-${now()}`,
          type: 'lead.created',
          occurredAt: now(),
          data: { email: 'new-lead@example.jp', phone: '<script>' },
        }),
      ),
    status: 422,
    code: 'invalid',
    names: ['phone'],
  },

  ...bodyCases(zoho).filter((row) => row.case !== 'no content type'),
  ...missingFieldCases(zoho, ['/module', '/record_id']),
  ...stringFieldCases(zoho, { '/email': strict, '/module': strict, '/last_name': zohoLead, '/company': zohoLead }),
  forged(zoho, 'a wrong token', () => ({ 'x-zoho-webhook-token': 'not-the-token-0123456789' })),
  forged(zoho, 'no token', () => ({})),
  forged(
    zoho,
    'a wrong token in the body',
    () => ({}),
    (f) => ({ ...(zoho.valid(f) as object), token: 'not-the-token-0123456789' }),
  ),
  {
    route: zoho.route,
    case: 'the same record change again',
    request: (f) => send(zoho, f, json({ ...(zoho.valid(f) as object), modified_time: '2026-01-05T10:00:00+09:00' })),
    status: 200,
    replay: true,
  },
  {
    route: zoho.route,
    case: 'form-encoded with a NUL',
    request: (f) => ({
      method: 'POST',
      url: '/v1/webhooks/crm/zoho',
      headers: { ...f.sign.zoho(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'module=Leads&record_id=1&email=a%00b%40example.jp',
    }),
    status: 422,
    code: 'invalid',
    names: ['email'],
  },
  {
    route: zoho.route,
    case: 'form-encoded over 64 KB',
    request: (f) => ({
      method: 'POST',
      url: '/v1/webhooks/crm/zoho',
      headers: { ...f.sign.zoho(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: `module=Leads&record_id=1&pad=${'x'.repeat(70_000)}`,
    }),
    status: 413,
    code: 'body_too_large',
  },

  ...bodyCases(mailgun),
  ...missingFieldCases(mailgun, ['/signature', '/event-data', '/event-data/event']),
  ...stringFieldCases(mailgun, {
    '/event-data/recipient': ignored(254),
    '/event-data/event': ignored(50),
    '/event-data/id': ignored(200),
  }),
  forged(
    mailgun,
    'a forged signature',
    () => ({}),
    (f) => ({ ...(mailgun.valid(f) as object), signature: { ...f.mailgunSignature(), signature: 'ab'.repeat(32) } }),
  ),
  forged(
    mailgun,
    'a stale timestamp',
    () => ({}),
    (f) => ({
      ...(mailgun.valid(f) as object),
      signature: f.mailgunSignature(String(Math.floor(Date.now() / 1000) - 3600)),
    }),
  ),
  {
    route: mailgun.route,
    case: 'the same event id again',
    request: (f) =>
      send(
        mailgun,
        f,
        json({
          ...(mailgun.valid(f) as object),
          'event-data': { event: 'failed', severity: 'permanent', recipient: f.leadEmail, id: 'mg-replayed' },
        }),
      ),
    status: 200,
    replay: true,
  },

  ...bodyCases(sendgrid).filter(
    (row) => !['an array instead of an object', '10,000 nested objects in a field'].includes(row.case),
  ),
  {
    route: sendgrid.route,
    case: '10,000 nested objects in an event',
    request: (f) =>
      send(
        sendgrid,
        f,
        `[{"email":"a@example.jp","event":"bounce","sg_event_id":"sg-deep","timestamp":1,"nested":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}]`,
      ),
    status: 422,
    code: 'invalid',
  },
  ...stringFieldCases(sendgrid, { '/0/email': ignored(254), '/0/event': ignored(50), '/0/sg_event_id': ignored(200) }),
  forged(sendgrid, 'no signature headers', () => ({})),
  forged(sendgrid, 'a signature of other bytes', (f) => f.sign.sendgrid(Buffer.from('[]'))),
  forged(
    sendgrid,
    'a stale timestamp',
    (f) => f.sign.sendgrid(Buffer.from(json(sendgrid.valid(f))), String(Math.floor(Date.now() / 1000) - 3600)),
    undefined,
  ),
  {
    route: sendgrid.route,
    case: 'an object instead of a batch',
    request: (f) => send(sendgrid, f, json((sendgrid.valid(f) as object[])[0])),
    status: 422,
    code: 'invalid',
  },
  ...hubspotRows,
  ...zohoNotificationRows,
  ...inboundMailRows,
  {
    route: sendgrid.route,
    case: 'the same event id again',
    request: (f) =>
      send(
        sendgrid,
        f,
        json([
          {
            email: f.leadEmail,
            event: 'spamreport',
            sg_event_id: 'sg-replayed',
            timestamp: Math.floor(Date.now() / 1000),
          },
        ]),
      ),
    status: 200,
    replay: true,
  },
];
