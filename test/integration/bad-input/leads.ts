import { auth } from '../../support/services.ts';
import { expect } from 'vitest';
import {
  BAD_IDS,
  badIdCases,
  bodyCases,
  data,
  keyCases,
  missingFieldCases,
  queryCases,
  send,
  strict,
  stringFieldCases,
  type BodyRoute,
  type FieldKind,
} from './cases.ts';
import type { Fixtures, Row } from './table.ts';

// Leads and events: what CRMs, forms and scripts send most.

const admin = () => auth;
const lead = (f: Fixtures) => f.get(`/v1/leads/${f.leadId}`);

const createLead: BodyRoute = {
  route: 'POST /v1/leads',
  url: () => '/v1/leads',
  credentials: admin,
  valid: (f) => ({
    email: f.leadEmail,
    name: '山田 太郎',
    company: '株式会社サンプル',
    department: '営業部',
    title: '部長',
    phone: '03-1234-5678',
    postalAddress: { postalCode: '100-0001', prefecture: '東京都', city: '千代田区', line1: '千代田1-1', line2: '2F' },
    source: 'web',
    ownerEmail: 'owner@example.jp',
    cadence: 'default',
    locale: 'ja',
    timezone: 'Asia/Tokyo',
    externalId: 'crm-1',
  }),
};
// The fixture lead's profile is updated (200): its row only; a profile change signals no workflow.
const text = (max: number): FieldKind => data(max, lead, { changesOnly: ['leads'] });

const events: BodyRoute = {
  route: 'POST /v1/events',
  url: () => '/v1/events',
  credentials: admin,
  ok: 202,
  valid: (f) => ({ leadId: f.leadId, type: 'web_visit', occurredAt: '2026-01-05T10:00:00+09:00', id: 'visit-1' }),
};

const idRoutes = [
  'GET /v1/leads/:id',
  'GET /v1/leads/:id/timeline',
  'GET /v1/leads/:id/deals',
  'GET /v1/leads/:id/state',
  'GET /v1/leads/:id/explain',
  'GET /v1/leads/:id/consent.csv',
  'GET /v1/leads/:id/score-history',
  'GET /v1/leads/:id/emails',
  'GET /v1/leads/:id/reactivation',
  'POST /v1/leads/:id/pause',
  'POST /v1/leads/:id/resume',
  'POST /v1/leads/:id/do-not-contact',
];

const owner: BodyRoute = {
  route: 'POST /v1/leads/:id/owner',
  url: (f) => `/v1/leads/${f.leadId}/owner`,
  credentials: admin,
  valid: () => ({ ownerEmail: 'rep@example.jp' }),
};
const stage: BodyRoute = {
  route: 'POST /v1/leads/:id/stage',
  url: (f) => `/v1/leads/${f.leadId}/stage`,
  credentials: admin,
  valid: () => ({ stage: 'deal', reason: 'asked for a quote' }),
};
const reactivation: BodyRoute = {
  route: 'POST /v1/leads/:id/reactivation',
  url: (f) => `/v1/leads/${f.leadId}/reactivation`,
  credentials: admin,
  // The fixture lead is not a customer or dormant (nurturing, or deal once the stage row
  // has moved it): a body the schema takes is answered 409, and nothing is decided.
  ok: 409,
  valid: () => ({ decision: 'resume', resumeAt: '2027-04-01', cadence: 'default', note: '予算が戻る見込み' }),
};
const decide = (name: string, body: object, status: number, code?: string, names?: string[]): Row => ({
  route: reactivation.route,
  case: name,
  request: (f) => send(reactivation, f, JSON.stringify(body)),
  status,
  ...(code ? { code } : {}),
  ...(names ? { names } : {}),
});

/** A body route's bad-id rows: the valid body to a lead that is not there. */
const badLeadIds = (r: BodyRoute, suffix: string): Row[] =>
  badIdCases(r.route, (id) => `/v1/leads/${id}/${suffix}`, admin).map((row) => ({
    ...row,
    request: (f: Fixtures) => ({ ...row.request(f), payload: r.valid(f) as object }),
  }));
const stageMove = (name: string, body: object, status: number, code?: string, names?: string[]): Row => ({
  route: stage.route,
  case: name,
  request: (f) => send(stage, f, JSON.stringify(body)),
  status,
  ...(code ? { code } : {}),
  ...(names ? { names } : {}),
});

/** The table's rows for the lead routes and `POST /v1/events`. */
export const leadRows: Row[] = [
  ...keyCases(createLead.route, (f) => send(createLead, f, JSON.stringify(createLead.valid(f)))),
  ...bodyCases(createLead),
  ...missingFieldCases(createLead, ['/email', '/postalAddress/city']),
  ...stringFieldCases(createLead, {
    '/email': strict,
    '/name': text(200),
    '/company': text(200),
    '/department': text(200),
    '/title': text(200),
    '/phone': strict,
    '/postalAddress/postalCode': strict,
    '/postalAddress/prefecture': text(20),
    '/postalAddress/line1': text(200),
    '/source': text(100),
    '/ownerEmail': strict,
    '/cadence': strict,
    '/locale': strict,
    '/timezone': strict,
    '/externalId': text(200),
  }),

  {
    route: createLead.route,
    case: '51 tags',
    request: (f) =>
      send(createLead, f, JSON.stringify({ email: f.leadEmail, tags: Array.from({ length: 51 }, (_, i) => `t${i}`) })),
    status: 422,
    code: 'invalid',
    names: ['tags'],
  },
  {
    route: createLead.route,
    case: 'a custom field holding an object',
    request: (f) => send(createLead, f, JSON.stringify({ email: f.leadEmail, customFields: { a: { b: 1 } } })),
    status: 422,
    code: 'invalid',
    names: ['customFields'],
  },
  ...keyCases('GET /v1/leads', () => ({ method: 'GET', url: '/v1/leads', headers: auth })),
  ...queryCases('GET /v1/leads', '/v1/leads', admin, [
    ['an unknown stage', { stage: 'won' }, 422, 'stage'],
    ['a score that is no number', { scoreMin: 'ten' }, 422, 'scoreMin'],
    ['a limit of 0', { limit: '0' }, 422, 'limit'],
    ['a limit over 200', { limit: '201' }, 422, 'limit'],
    ['an unknown parameter', { stag: 'deal' }, 422, 'stag'],
    ['SQL metacharacters in q (data)', { q: "'; DROP TABLE leads;--" }, 200],
    ['HTML in owner (data)', { owner: '<script>alert(1)</script>' }, 200],
    ['a NUL in q', { q: 'a\u0000b' }, 422, 'q'],
    ['a 10 KB q', { q: 'x'.repeat(10 * 1024) }, 422, 'q'],
    ['a made-up cursor', { cursor: 'eyJpZCI6MX0' }, 422, 'cursor'],
    ['a cursor that is not base64 JSON', { cursor: "'; DROP TABLE leads;--" }, 422, 'cursor'],
    ['an unknown contact group', { contact: 'lapsed' }, 422, 'contact'],
    ['SQL in the contact group', { contact: "at_risk' OR 1=1--" }, 422, 'contact'],
    ['a contact time zone that does not exist', { contact: 'at_risk', timezone: 'Mars/Olympus' }, 422, 'timezone'],
    ['a NUL in the contact time zone', { contact: 'touched', timezone: 'Asia/Tokyo\u0000' }, 422, 'timezone'],
    ['a contact group with a time zone (data)', { contact: 'at_risk', timezone: 'Asia/Tokyo' }, 200],
  ]),

  ...idRoutes.flatMap((route) => {
    const url = (id: string) => route.split(' ')[1]?.replace(':id', id) ?? '';
    return [
      ...keyCases(route, (f) => ({ method: route.split(' ')[0], url: url(f.leadId), headers: auth })),
      ...badIdCases(route, url, admin),
    ];
  }),

  ...queryCases('GET /v1/leads/:id/emails', '/v1/leads/00000000-0000-4000-8000-000000000000/emails', admin, [
    ['content that is no boolean', { content: 'maybe' }, 422, 'content'],
    ['an unknown parameter', { html: '1' }, 422, 'html'],
  ]),
  ...keyCases('GET /v1/leads/:id/emails/:deliveryId', (f) => ({
    method: 'GET',
    url: `/v1/leads/${f.leadId}/emails/1`,
    headers: auth,
  })),
  ...badIdCases('GET /v1/leads/:id/emails/:deliveryId', (id) => `/v1/leads/${id}/emails/1`, admin),
  ...Object.entries(BAD_IDS).map(([name, id]): Row => ({
    route: 'GET /v1/leads/:id/emails/:deliveryId',
    case: `${name} as the delivery`,
    request: (f) => ({ method: 'GET', url: `/v1/leads/${f.leadId}/emails/${id}`, headers: auth }),
    // A delivery id is at most 30 characters (422 past that, as a uuid is); shorter ones
    // that are not a delivery's number find nothing (404), as does one past the router's
    // 100-character parameter limit.
    status: name === 'an unknown id' ? 422 : 404,
  })),

  ...keyCases(owner.route, (f) => send(owner, f, JSON.stringify(owner.valid(f)))),
  ...bodyCases(owner),
  ...missingFieldCases(owner, ['/ownerEmail']),
  ...stringFieldCases(owner, { '/ownerEmail': strict }),
  ...badLeadIds(owner, 'owner'),

  ...keyCases(stage.route, (f) => send(stage, f, JSON.stringify(stage.valid(f)))),
  ...bodyCases(stage),
  ...missingFieldCases(stage, ['/stage']),
  ...stringFieldCases(stage, { '/stage': strict }),
  ...badLeadIds(stage, 'stage'),
  stageMove('an unknown stage', { stage: 'won' }, 422, 'invalid', ['stage']),
  stageMove('a move to the stage it is in', { stage: 'nurturing' }, 409, 'stage_move_not_allowed'),
  stageMove('a move the CRM makes (to customer)', { stage: 'customer' }, 409, 'stage_move_not_allowed'),
  stageMove('an empty reason', { stage: 'deal', reason: '' }, 422, 'invalid', ['reason']),
  stageMove('a NUL in the reason', { stage: 'deal', reason: 'a\u0000b' }, 422, 'invalid', ['reason']),
  stageMove('a reason over 500 characters', { stage: 'deal', reason: 'x'.repeat(501) }, 422, 'invalid', ['reason']),
  // Legitimate hostile text reaches the workflow as the move's reason (the signal is the change).
  {
    ...stageMove(
      'HTML and SQL in the reason',
      { stage: 'deal', reason: `<script>alert(1)</script>'; DROP TABLE leads;--` },
      202,
    ),
    temporal: 'signal',
    stored: async (_f, response) =>
      expect(response.json()).toMatchObject({ accepted: true, from: 'nurturing', to: 'deal' }),
  },

  ...keyCases(reactivation.route, (f) => send(reactivation, f, JSON.stringify(reactivation.valid(f)))),
  {
    route: reactivation.route,
    case: 'a sales key for a lead it does not own',
    request: (f) => ({
      ...send(reactivation, f, JSON.stringify(reactivation.valid(f))),
      headers: { authorization: `Bearer ${f.keys.sales}`, 'content-type': 'application/json' },
    }),
    status: 403,
    code: 'forbidden',
  },
  ...bodyCases(reactivation),
  ...missingFieldCases(reactivation, ['/decision']),
  // Text the schema takes reaches the stage check, which refuses the fixture lead (409).
  ...stringFieldCases(reactivation, {
    '/decision': strict,
    '/resumeAt': { kind: 'ignored', max: 40 },
    '/cadence': { kind: 'ignored', max: 100 },
    '/note': { kind: 'ignored', max: 2000 },
  }),
  ...badLeadIds(reactivation, 'reactivation'),
  decide('a lead that is not a customer or dormant', { decision: 'close' }, 409, 'reactivation_not_decidable', [
    'stage',
  ]),
  decide('an unknown decision', { decision: 'pause' }, 422, 'invalid', ['decision']),
  decide('a resumeAt over 40 characters', { decision: 'resume', resumeAt: '2027-04-01'.repeat(5) }, 422, 'invalid', [
    'resumeAt',
  ]),
  decide('an empty cadence', { decision: 'resume', cadence: '' }, 422, 'invalid', ['cadence']),
  decide('a note over 2,000 characters', { decision: 'close', note: 'x'.repeat(2001) }, 422, 'invalid', ['note']),

  ...keyCases(events.route, (f) => send(events, f, JSON.stringify(events.valid(f)))),
  ...bodyCases(events),
  ...missingFieldCases(events, ['/type']),
  ...stringFieldCases(events, {
    '/leadId': { kind: 'lookup', max: 100 },
    '/type': strict,
    '/occurredAt': strict,
    // A new event: its row, and the signal that carries it to the lead's workflow.
    '/id': data(200, async (f) => f.query('SELECT source_id FROM events WHERE lead_id = $1', [f.leadId]), {
      changesOnly: ['events'],
      temporal: 'signal',
    }),
  }),
  {
    route: events.route,
    case: 'both leadId and email',
    request: (f) => send(events, f, JSON.stringify({ ...(events.valid(f) as object), email: f.leadEmail })),
    status: 422,
    code: 'invalid',
    names: ['leadId'],
  },
  {
    route: events.route,
    case: 'an event a day in the future',
    request: (f) =>
      send(
        events,
        f,
        JSON.stringify({ ...(events.valid(f) as object), occurredAt: new Date(Date.now() + 86_400_000).toISOString() }),
      ),
    status: 422,
    code: 'invalid',
    names: ['occurredAt'],
  },
  {
    route: events.route,
    case: 'the same event id again',
    request: (f) => send(events, f, JSON.stringify({ ...(events.valid(f) as object), id: 'replayed-visit' })),
    status: 202,
    replay: true,
  },
];
