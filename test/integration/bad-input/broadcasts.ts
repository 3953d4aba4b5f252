import { auth } from '../../support/services.ts';
import { badIdCases, bodyCases, keyCases, missingFieldCases, queryCases, send, type BodyRoute } from './cases.ts';
import type { Fixtures, Row } from './table.ts';

// One-off sends: scheduling, the preview, the list and the pause / resume / cancel actions.
// None of these rows schedules anything: no broadcast row, no workflow.

const admin = () => auth;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

const create: BodyRoute = {
  route: 'POST /v1/broadcasts',
  url: () => '/v1/broadcasts',
  credentials: admin,
  ok: 201,
  valid: (f: Fixtures) => ({ name: 'セミナー案内', template: 'monthly-checkin', leadIds: [f.leadId] }),
};

const createWith = (name: string, body: (f: Fixtures) => unknown, names: string[]): Row => ({
  route: create.route,
  case: name,
  request: (f) => send(create, f, JSON.stringify(body(f))),
  status: 422,
  code: 'invalid',
  names,
});

const actionRows = (action: 'pause' | 'resume' | 'cancel'): Row[] => {
  const route = `POST /v1/broadcasts/:id/${action}`;
  return [
    ...keyCases(route, () => ({ method: 'POST', url: `/v1/broadcasts/${UNKNOWN}/${action}`, headers: auth })),
    ...badIdCases(route, (id) => `/v1/broadcasts/${id}/${action}`, admin),
  ];
};

/** The table's rows for the broadcast routes. */
export const broadcastRows: Row[] = [
  ...keyCases(create.route, (f) => send(create, f, JSON.stringify(create.valid(f)))),
  ...bodyCases(create),
  ...missingFieldCases(create, ['/name', '/template']),
  createWith('neither segmentId nor leadIds', () => ({ name: 'x', template: 'monthly-checkin' }), ['segmentId']),
  createWith(
    'both segmentId and leadIds',
    (f) => ({ name: 'x', template: 'monthly-checkin', leadIds: [f.leadId], segmentId: UNKNOWN }),
    ['segmentId'],
  ),
  createWith('a lead id that names no lead', () => ({ name: 'x', template: 'monthly-checkin', leadIds: [UNKNOWN] }), [
    'leadIds/0',
  ]),
  createWith('a segment that does not exist', () => ({ name: 'x', template: 'monthly-checkin', segmentId: UNKNOWN }), [
    'segmentId',
  ]),
  createWith(
    'a template that does not exist',
    (f) => ({ name: 'x', template: 'no-such-template', leadIds: [f.leadId] }),
    ['template'],
  ),
  createWith(
    'a lead id that is not a UUID',
    () => ({ name: 'x', template: 'monthly-checkin', leadIds: ['1 OR 1=1'] }),
    ['leadIds'],
  ),
  createWith(
    'the same lead twice',
    (f) => ({ name: 'x', template: 'monthly-checkin', leadIds: [f.leadId, f.leadId] }),
    ['leadIds'],
  ),
  createWith('no leads at all', () => ({ name: 'x', template: 'monthly-checkin', leadIds: [] }), ['leadIds']),
  createWith(
    'a send time that is not a date-time',
    (f) => ({ name: 'x', template: 'monthly-checkin', leadIds: [f.leadId], sendAt: 'tomorrow 9am' }),
    ['sendAt'],
  ),
  createWith('an empty name', (f) => ({ name: '', template: 'monthly-checkin', leadIds: [f.leadId] }), ['name']),
  createWith(
    'a template key with SQL in it',
    (f) => ({ name: 'x', template: "'; DROP TABLE broadcasts;--", leadIds: [f.leadId] }),
    ['template'],
  ),

  ...keyCases('GET /v1/broadcasts', () => ({ method: 'GET', url: '/v1/broadcasts', headers: auth })),
  ...queryCases('GET /v1/broadcasts', '/v1/broadcasts', admin, [
    ['an unknown parameter', { unexpected: '1' }, 422, 'unexpected'],
    ['a limit of 0', { limit: '0' }, 422, 'limit'],
    ['a cursor this API never gave', { cursor: "'; DROP TABLE broadcasts;--" }, 422, 'cursor'],
  ]),

  ...keyCases('GET /v1/broadcasts/preview', (f) => ({
    method: 'GET',
    url: `/v1/broadcasts/preview?template=monthly-checkin&leadIds=${f.leadId}`,
    headers: auth,
  })),
  ...queryCases('GET /v1/broadcasts/preview', '/v1/broadcasts/preview', admin, [
    ['no template', { leadIds: UNKNOWN }, 422, 'template'],
    ['no recipients named', { template: 'monthly-checkin' }, 422, 'segmentId'],
    ['a template that does not exist', { template: 'no-such-template', leadIds: UNKNOWN }, 422, 'template'],
    ['a lead id that names no lead', { template: 'monthly-checkin', leadIds: UNKNOWN }, 422, 'leadIds'],
    ['lead ids that are not UUIDs', { template: 'monthly-checkin', leadIds: "1,2' OR 1=1" }, 422, 'leadIds'],
    ['a segment that does not exist', { template: 'monthly-checkin', segmentId: UNKNOWN }, 422, 'segmentId'],
    ['an unknown parameter', { template: 'monthly-checkin', leadIds: UNKNOWN, unexpected: '1' }, 422, 'unexpected'],
  ]),

  ...keyCases('GET /v1/broadcasts/:id', () => ({ method: 'GET', url: `/v1/broadcasts/${UNKNOWN}`, headers: auth })),
  ...badIdCases('GET /v1/broadcasts/:id', (id) => `/v1/broadcasts/${id}`, admin),
  ...actionRows('pause'),
  ...actionRows('resume'),
  ...actionRows('cancel'),
];
