import { auth } from '../../support/services.ts';
import { badIdCases, bodyCases, data, keyCases, missingFieldCases, queryCases, send, strict, stringFieldCases, type BodyRoute, type FieldKind } from './cases.ts';
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
const text = (max: number): FieldKind => data(max, lead);

const events: BodyRoute = {
  route: 'POST /v1/events',
  url: () => '/v1/events',
  credentials: admin,
  valid: (f) => ({ leadId: f.leadId, type: 'web_visit', occurredAt: '2026-01-05T10:00:00+09:00', id: 'visit-1' }),
};

const idRoutes = ['GET /v1/leads/:id', 'GET /v1/leads/:id/timeline', 'GET /v1/leads/:id/state', 'POST /v1/leads/:id/pause', 'POST /v1/leads/:id/resume', 'POST /v1/leads/:id/do-not-contact'];

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
  ]),

  ...idRoutes.flatMap((route) => {
    const url = (id: string) => route.split(' ')[1]?.replace(':id', id) ?? '';
    return [...keyCases(route, (f) => ({ method: route.split(' ')[0], url: url(f.leadId), headers: auth })), ...badIdCases(route, url, admin)];
  }),

  ...keyCases(events.route, (f) => send(events, f, JSON.stringify(events.valid(f)))),
  ...bodyCases(events),
  ...missingFieldCases(events, ['/type']),
  ...stringFieldCases(events, {
    '/leadId': { kind: 'lookup', max: 100 },
    '/type': strict,
    '/occurredAt': strict,
    '/id': data(200, async (f) => f.query('SELECT source_id FROM events WHERE lead_id = $1', [f.leadId])),
  }),
  { route: events.route, case: 'both leadId and email', request: (f) => send(events, f, JSON.stringify({ ...(events.valid(f) as object), email: f.leadEmail })), status: 422, code: 'invalid', names: ['leadId'] },
  { route: events.route, case: 'an event a day in the future', request: (f) => send(events, f, JSON.stringify({ ...(events.valid(f) as object), occurredAt: new Date(Date.now() + 86_400_000).toISOString() })), status: 422, code: 'invalid', names: ['occurredAt'] },
  { route: events.route, case: 'the same event id again', request: (f) => send(events, f, JSON.stringify({ ...(events.valid(f) as object), id: 'replayed-visit' })), status: 202, replay: true },
];
