import { auth } from '../../support/services.ts';
import { badIdCases, bodyCases, keyCases, missingFieldCases, queryCases, send, type BodyRoute } from './cases.ts';
import type { Fixtures, Row } from './table.ts';

// Segments, bulk actions and lead tags (issue 15, item 3).

const admin = () => auth;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

const createSegment: BodyRoute = {
  route: 'POST /v1/segments',
  url: () => '/v1/segments',
  credentials: admin,
  ok: 201,
  valid: () => ({ name: 'VIP', query: { tags: { match: 'any', values: ['vip'] } } }),
};
const putSegment: BodyRoute = {
  route: 'PUT /v1/segments/:id',
  url: () => `/v1/segments/${UNKNOWN}`,
  credentials: admin,
  valid: () => ({ name: 'VIP', query: {} }),
};
const bulk: BodyRoute = {
  route: 'POST /v1/bulk-actions',
  url: () => '/v1/bulk-actions',
  credentials: admin,
  ok: 202,
  valid: () => ({ leadIds: [UNKNOWN], action: 'pause' }),
};
const tags: BodyRoute = {
  route: 'POST /v1/leads/:id/tags',
  url: (f) => `/v1/leads/${f.leadId}/tags`,
  credentials: admin,
  valid: () => ({ add: ['vip'] }),
};

const byId = (route: string, body?: object): Row[] => {
  const [verb, pattern] = route.split(' ') as [string, string];
  const url = (id: string) => pattern.replace(':id', id);
  return [
    ...keyCases(route, () => ({
      method: verb,
      url: url(UNKNOWN),
      headers: auth,
      ...(body ? { payload: body } : {}),
    })),
    ...badIdCases(route, url, admin).map((row) =>
      body ? { ...row, request: (f: Fixtures) => ({ ...row.request(f), payload: body }) } : row,
    ),
  ];
};
const invalid = (r: BodyRoute, name: string, body: object, names: string[], status = 422): Row => ({
  route: r.route,
  case: name,
  request: (f) => send(r, f, JSON.stringify(body)),
  status,
  code: status === 404 ? 'not_found' : 'invalid',
  ...(status === 422 ? { names } : {}),
});

/** The table's rows for segments, bulk actions and lead tags. */
export const segmentRows: Row[] = [
  ...keyCases(createSegment.route, (f) => send(createSegment, f, JSON.stringify(createSegment.valid(f)))),
  ...bodyCases(createSegment),
  ...missingFieldCases(createSegment, ['/name', '/query']),
  invalid(createSegment, 'a score range no lead could match', { name: 'x', query: { scoreMin: 9, scoreMax: 1 } }, [
    'scoreMax',
  ]),
  invalid(createSegment, 'an unknown stage', { name: 'x', query: { stages: ['won'] } }, ['stages']),
  invalid(createSegment, 'a nested custom field', { name: 'x', query: { customFields: { a: { b: 1 } } } }, [
    'customFields',
  ]),
  invalid(createSegment, 'a blank name', { name: '   ', query: {} }, ['name']),
  invalid(createSegment, 'a look-back of 0 days', { name: 'x', query: { openedWithinDays: 0 } }, ['openedWithinDays']),
  ...keyCases('GET /v1/segments', () => ({ method: 'GET', url: '/v1/segments', headers: auth })),
  ...queryCases('GET /v1/segments', '/v1/segments', admin, [['an unknown parameter', { x: '1' }, 422, 'x']]),
  ...byId('GET /v1/segments/:id'),
  ...byId('DELETE /v1/segments/:id'),
  ...byId('GET /v1/segments/:id/leads'),
  ...byId('GET /v1/segments/:id/counts'),
  ...queryCases('GET /v1/segments/:id/counts', `/v1/segments/${UNKNOWN}/counts`, admin, [
    ['days over 730', { days: '731' }, 422, 'days'],
  ]),
  ...queryCases('GET /v1/segments/:id/leads', `/v1/segments/${UNKNOWN}/leads`, admin, [
    ['a cursor of another shape', { cursor: 'abc' }, 422, 'cursor'],
  ]),
  ...byId('PUT /v1/segments/:id', putSegment.valid({} as Fixtures) as object),
  ...bodyCases(putSegment),

  ...keyCases(bulk.route, (f) => send(bulk, f, JSON.stringify(bulk.valid(f)))),
  ...bodyCases(bulk),
  ...missingFieldCases(bulk, ['/action']),
  invalid(bulk, 'both a segment and leads', { segmentId: UNKNOWN, leadIds: [UNKNOWN], action: 'pause' }, ['segmentId']),
  invalid(bulk, 'neither a segment nor leads', { action: 'pause' }, ['segmentId']),
  invalid(
    bulk,
    'a cadence that does not exist',
    { leadIds: [UNKNOWN], action: 'move_cadence', params: { cadence: 'nope' } },
    ['cadence'],
  ),
  invalid(bulk, 'set_owner without an owner', { leadIds: [UNKNOWN], action: 'set_owner' }, ['ownerEmail']),
  invalid(bulk, 'a parameter the action does not take', { leadIds: [UNKNOWN], action: 'pause', params: { tag: 'x' } }, [
    'tag',
  ]),
  invalid(bulk, 'a lead id that is not a UUID', { leadIds: ['not-a-uuid'], action: 'pause' }, ['leadIds']),
  invalid(bulk, 'an unknown segment', { segmentId: UNKNOWN, action: 'pause' }, [], 404),
  ...keyCases('GET /v1/bulk-actions', () => ({ method: 'GET', url: '/v1/bulk-actions', headers: auth })),
  ...queryCases('GET /v1/bulk-actions', '/v1/bulk-actions', admin, [['limit 0', { limit: '0' }, 422, 'limit']]),
  ...byId('GET /v1/bulk-actions/:id'),
  ...byId('POST /v1/bulk-actions/:id/cancel'),

  ...keyCases(tags.route, (f) => send(tags, f, JSON.stringify(tags.valid(f)))),
  ...bodyCases(tags),
  ...badIdCases(tags.route, (id) => `/v1/leads/${id}/tags`, admin).map((row) => ({
    ...row,
    request: (f: Fixtures) => ({ ...row.request(f), payload: { add: ['vip'] } }),
  })),
  invalid(tags, 'a blank tag', { add: ['   '] }, ['add']),
  invalid(tags, '51 tags to add', { add: Array.from({ length: 51 }, (_, i) => `t${i}`) }, ['add']),
];
