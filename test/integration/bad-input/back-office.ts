import { auth } from '../../support/services.ts';
import {
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
} from './cases.ts';
import type { Fixtures, Row } from './table.ts';

// API keys, DM tasks, escalations, reports, the outbox, health, docs, and the links in emails.

const admin = () => auth;
const get = (url: string) => () => ({ method: 'GET' as const, url, headers: auth });

const createKey: BodyRoute = {
  route: 'POST /v1/api-keys',
  url: () => '/v1/api-keys',
  credentials: admin,
  ok: 201,
  valid: () => ({ name: 'CRM sync', role: 'integration' }),
};
const completeTodo: BodyRoute = {
  route: 'POST /v1/tasks/:id/complete',
  url: (f) => `/v1/tasks/${f.todoTaskId}/complete`,
  credentials: admin,
  valid: () => ({ note: '電話しました' }),
};
const completeMany: BodyRoute = {
  route: 'POST /v1/dm-tasks/complete',
  url: () => '/v1/dm-tasks/complete',
  credentials: admin,
  valid: () => ({ ids: ['00000000-0000-4000-8000-000000000000'] }),
};

const byId = (route: string, fixture: (f: Fixtures) => string): Row[] => {
  const [verb, pattern] = route.split(' ') as [string, string];
  const url = (id: string) => pattern.replace(':id', id);
  return [
    ...keyCases(route, (f) => ({ method: verb, url: url(fixture(f)), headers: auth })),
    ...badIdCases(route, url, admin),
  ];
};
const unknownParameter = (route: string, url: string): Row[] =>
  queryCases(route, url, admin, [['an unknown parameter', { unexpected: '1' }, 422, 'unexpected']]);
const noisyQuery = { q: "'; DROP TABLE leads;--<script>", pad: 'x'.repeat(4000) };
const publicGet = (route: string, url: string, status = 200): Row => ({
  route,
  case: 'a hostile query string is ignored',
  request: () => ({ method: 'GET', url: `${url}?${new URLSearchParams(noisyQuery).toString()}` }),
  status,
});

/** The table's rows for everything but leads, content and webhooks. */
export const backOfficeRows: Row[] = [
  ...keyCases(createKey.route, (f) => send(createKey, f, JSON.stringify(createKey.valid(f)))),
  ...bodyCases(createKey),
  ...missingFieldCases(createKey, ['/name', '/role']),
  // A new key: its row, nothing else.
  ...stringFieldCases(createKey, {
    '/name': data(100, (f) => f.get('/v1/api-keys'), { changesOnly: ['api_keys'] }),
    '/role': strict,
  }),
  {
    route: createKey.route,
    case: 'the admin role',
    request: (f) => send(createKey, f, JSON.stringify({ name: 'x', role: 'root' })),
    status: 422,
    code: 'invalid',
    names: ['role'],
  },
  ...keyCases('GET /v1/api-keys', get('/v1/api-keys')),
  ...unknownParameter('GET /v1/api-keys', '/v1/api-keys'),
  ...byId('DELETE /v1/api-keys/:id', (f) => f.apiKeyId),

  ...['GET /v1/dm-tasks', 'GET /v1/dm-tasks.csv'].flatMap((route) => [
    ...keyCases(route, get(route.split(' ')[1] ?? '')),
    ...queryCases(route, route.split(' ')[1] ?? '', admin, [
      ['an unknown status', { status: 'sent' }, 422, 'status'],
      ['a limit of 0', { limit: '0' }, 422, 'limit'],
      ['a limit that is no number', { limit: '1; DROP TABLE tasks' }, 422, 'limit'],
      ['an unknown parameter', { unexpected: '1' }, 422, 'unexpected'],
    ]),
  ]),
  ...byId('GET /v1/dm-tasks/:id', (f) => f.dmTaskId),
  ...byId('GET /v1/dm-tasks/:id/letter', (f) => f.dmTaskId),
  ...byId('POST /v1/dm-tasks/:id/complete', (f) => f.dmTaskId),
  ...keyCases(completeMany.route, (f) => send(completeMany, f, JSON.stringify(completeMany.valid(f)))),
  ...bodyCases(completeMany),
  ...missingFieldCases(completeMany, ['/ids']),
  // Ids that are no task's are answered back in `notFound`: nothing is stored.
  ...stringFieldCases(completeMany, {
    '/ids/0': data(100, async (_f, response) => response.json<{ notFound: string[] }>().notFound, {}),
  }),
  {
    route: completeMany.route,
    case: 'no ids',
    request: (f) => send(completeMany, f, JSON.stringify({ ids: [] })),
    status: 422,
    code: 'invalid',
    names: ['ids'],
  },
  {
    route: completeMany.route,
    case: '1,001 ids',
    request: (f) => send(completeMany, f, JSON.stringify({ ids: Array.from({ length: 1001 }, () => 'x') })),
    status: 422,
    code: 'invalid',
    names: ['ids'],
  },

  ...keyCases('GET /v1/tasks', get('/v1/tasks')),
  ...queryCases('GET /v1/tasks', '/v1/tasks', admin, [
    ['an unknown status', { status: 'cancelled' }, 422, 'status'],
    ['a leadId that is no id', { leadId: "' OR 1=1--" }, 422, 'leadId'],
    ['an owner over 254 characters', { owner: `${'x'.repeat(250)}@example.jp` }, 422, 'owner'],
    ['a limit of 201', { limit: '201' }, 422, 'limit'],
    ['a made-up cursor', { cursor: 'eyJpZCI6MX0' }, 422, 'cursor'],
    ['a cursor that is no base64 JSON', { cursor: "'; DROP TABLE tasks;--" }, 422, 'cursor'],
    ['an unknown parameter', { unexpected: '1' }, 422, 'unexpected'],
    // Hostile text in the owner filter finds nobody's tasks: a 200 with no items.
    ['an owner with SQL metacharacters', { owner: "'; DROP TABLE tasks;--" }, 200],
  ]),
  ...keyCases('GET /v1/tasks/owners', get('/v1/tasks/owners')),
  ...unknownParameter('GET /v1/tasks/owners', '/v1/tasks/owners'),
  ...byId('POST /v1/tasks/:id/complete', (f) => f.todoTaskId),
  ...bodyCases(completeTodo),
  // The fixture task is done already: a note is accepted and the first completion's kept.
  ...stringFieldCases(completeTodo, { '/note': { kind: 'ignored', max: 2000 } }),
  {
    route: completeTodo.route,
    case: 'a DM task id (not an owner task)',
    request: (f) => ({ method: 'POST', url: `/v1/tasks/${f.dmTaskId}/complete`, headers: auth }),
    status: 404,
    code: 'not_found',
  },

  ...keyCases('GET /v1/escalations', get('/v1/escalations')),
  ...queryCases('GET /v1/escalations', '/v1/escalations', admin, [
    ['an unknown status', { status: 'closed' }, 422, 'status'],
    ['a leadId that is no id', { leadId: "' OR 1=1--" }, 422, 'leadId'],
    ['an unknown parameter', { unexpected: '1' }, 422, 'unexpected'],
  ]),
  ...byId('POST /v1/escalations/:id/ack', (f) => f.escalationId),
  ...byId('GET /v1/escalations/:id', (f) => f.escalationId),

  ...keyCases('GET /v1/reports/capacity', get('/v1/reports/capacity?dailyActivities=10&reps=3')),
  ...queryCases('GET /v1/reports/capacity', '/v1/reports/capacity', admin, [
    ['reps missing', { dailyActivities: '10' }, 422, 'reps'],
    ['activities that are no number', { dailyActivities: 'ten', reps: '3' }, 422, 'dailyActivities'],
    ['no reps', { dailyActivities: '10', reps: '0' }, 422, 'reps'],
    ['an unknown parameter', { dailyActivities: '10', reps: '3', unexpected: '1' }, 422, 'unexpected'],
  ]),
  ...keyCases('GET /v1/reports/pipeline', get('/v1/reports/pipeline')),
  ...queryCases('GET /v1/reports/pipeline', '/v1/reports/pipeline', admin, [
    ['a time zone that does not exist', { timezone: 'Mars/Olympus' }, 422, 'timezone'],
    ['asOf that is no date-time', { asOf: 'yesterday' }, 422, 'asOf'],
    ['SQL metacharacters in owner (data)', { owner: "'; DROP TABLE leads;--" }, 200],
    ['a NUL in owner', { owner: 'a\u0000b' }, 422, 'owner'],
    ['an unknown parameter', { unexpected: '1' }, 422, 'unexpected'],
  ]),
  ...keyCases('GET /v1/reports/consent', get('/v1/reports/consent')),
  ...queryCases('GET /v1/reports/consent', '/v1/reports/consent', admin, [
    ['a limit of 0', { limit: '0' }, 422, 'limit'],
    ['a limit that is no number', { limit: '1; DROP TABLE leads' }, 422, 'limit'],
    ['an unknown parameter', { unexpected: '1' }, 422, 'unexpected'],
  ]),
  ...keyCases('GET /v1/outbox', get('/v1/outbox')),
  ...queryCases('GET /v1/outbox', '/v1/outbox', admin, [
    ['a limit of 0', { limit: '0' }, 422, 'limit'],
    ['an unknown parameter', { unexpected: '1' }, 422, 'unexpected'],
  ]),

  ...byId('GET /v1/outbox/:id', (f) => f.outboxMessageId),
  {
    route: 'GET /v1/outbox/:id',
    case: 'the message in the outbox (so the rows below can fail)',
    request: (f) => ({ method: 'GET', url: `/v1/outbox/${f.outboxMessageId}`, headers: auth }),
    status: 200,
  },
  // The outbox folder has a file `secret.eml` beside it: no id may reach it.
  ...Object.entries({
    'a relative path out of the outbox': '..%2Fsecret',
    'a doubly encoded path': '..%252Fsecret',
    'a backslash path': '..%5Csecret',
    'an absolute path': '%2Fetc%2Fpasswd',
    'a path with a NUL': `${'1'.repeat(15)}-1-000001%00..%2Fsecret`,
    'a dotted id': '....%2F%2Fsecret',
  }).map(([name, id]): Row => ({
    route: 'GET /v1/outbox/:id',
    case: name,
    request: () => ({ method: 'GET', url: `/v1/outbox/${id}`, headers: auth }),
    status: 404,
    code: 'not_found',
  })),

  ...keyCases('GET /v1/reports/contact-health', get('/v1/reports/contact-health')),
  ...queryCases('GET /v1/reports/contact-health', '/v1/reports/contact-health', admin, [
    ['a time zone that does not exist', { timezone: 'Mars/Olympus' }, 422, 'timezone'],
    ['a NUL in the time zone', { timezone: 'Asia/Tokyo\u0000' }, 422, 'timezone'],
    ['SQL in the time zone', { timezone: "Asia/Tokyo'; DROP TABLE leads;--" }, 422, 'timezone'],
    ['asOf that is no date-time', { asOf: 'yesterday' }, 422, 'asOf'],
    ['an unknown parameter', { unexpected: '1' }, 422, 'unexpected'],
  ]),
  ...keyCases('GET /v1/reports/funnel', get('/v1/reports/funnel')),
  ...queryCases('GET /v1/reports/funnel', '/v1/reports/funnel', admin, [
    ['no months', { months: '0' }, 422, 'months'],
    ['more than 60 months', { months: '61' }, 422, 'months'],
    ['months that are no number', { months: '6; DROP TABLE leads' }, 422, 'months'],
    ['a time zone that does not exist', { timezone: 'Mars/Olympus' }, 422, 'timezone'],
    ['a NUL in the time zone', { timezone: 'Asia/Tokyo\u0000' }, 422, 'timezone'],
    ['an unknown parameter', { unexpected: '1' }, 422, 'unexpected'],
  ]),

  // The email reports: a period of send days (`to` before `from` is a 422 naming `to`), and
  // names that find nothing (a 200 with no items).
  ...keyCases('GET /v1/reports/email', get('/v1/reports/email')),
  ...queryCases('GET /v1/reports/email', '/v1/reports/email', admin, [
    ['an unknown grouping', { by: 'lead' }, 422, 'by'],
    ['from that is no date', { from: 'yesterday' }, 422, 'from'],
    ['to that is no date', { to: '2026-01-01T00:00:00Z' }, 422, 'to'],
    ['to before from', { from: '2026-02-01', to: '2026-01-31' }, 422, 'to'],
    ['a cadence over 100 characters', { cadence: 'x'.repeat(101) }, 422, 'cadence'],
    ['an empty cadence', { cadence: '' }, 422, 'cadence'],
    ['a NUL in the cadence', { cadence: 'a\u0000b' }, 422, 'cadence'],
    ['SQL metacharacters in cadence (data)', { cadence: "'; DROP TABLE deliveries;--" }, 200],
    ['an unknown parameter', { unexpected: '1' }, 422, 'unexpected'],
  ]),
  ...keyCases('GET /v1/reports/email/links', get('/v1/reports/email/links?template=welcome')),
  ...queryCases('GET /v1/reports/email/links', '/v1/reports/email/links', admin, [
    ['template missing', { from: '2026-01-01' }, 422, 'template'],
    ['a template over 100 characters', { template: 'x'.repeat(101) }, 422, 'template'],
    ['a NUL in the template', { template: 'a\u0000b' }, 422, 'template'],
    ['from that is no date', { template: 'welcome', from: '2026-13-01' }, 422, 'from'],
    ['to before from', { template: 'welcome', from: '2026-02-01', to: '2026-01-31' }, 422, 'to'],
    ['HTML and SQL in template (data)', { template: `<script>alert(1)</script>'; DROP TABLE deliveries;--` }, 200],
    ['an unknown parameter', { template: 'welcome', unexpected: '1' }, 422, 'unexpected'],
  ]),
  ...keyCases('GET /v1/reports/email/variants', get('/v1/reports/email/variants')),
  ...queryCases('GET /v1/reports/email/variants', '/v1/reports/email/variants', admin, [
    ['from that is no date', { from: 'yesterday' }, 422, 'from'],
    ['to before from', { from: '2026-02-01', to: '2026-01-31' }, 422, 'to'],
    ['a cadence over 100 characters', { cadence: 'x'.repeat(101) }, 422, 'cadence'],
    ['a NUL in the cadence', { cadence: 'a\u0000b' }, 422, 'cadence'],
    ['SQL metacharacters in cadence (data)', { cadence: "'; DROP TABLE cadences;--" }, 200],
    ['an unknown parameter', { by: 'template' }, 422, 'by'],
  ]),

  publicGet('GET /healthz', '/healthz'),
  publicGet('GET /readyz', '/readyz'),
  publicGet('GET /metrics', '/metrics'),
  publicGet('GET /openapi.json', '/openapi.json'),
  publicGet('GET /docs', '/docs', 200),
  publicGet('GET /docs/json', '/docs/json'),
  publicGet('GET /docs/yaml', '/docs/yaml'),
  // Swagger UI sends its old index page to /docs.
  publicGet('GET /docs/static/index.html', '/docs/static/index.html', 302),
  publicGet('GET /docs/static/swagger-initializer.js', '/docs/static/swagger-initializer.js'),
  {
    route: 'GET /docs/static/*',
    case: 'a path out of the docs folder',
    request: () => ({ method: 'GET', url: '/docs/static/..%2f..%2f..%2fpackage.json' }),
    status: 404,
  },
  {
    route: 'GET /docs/static/*',
    case: 'a file that does not exist',
    request: () => ({ method: 'GET', url: '/docs/static/nothing.js' }),
    status: 404,
  },

  // Links in emails: a person reads these answers, so a bad token is a page, not JSON.
  {
    route: 'GET /u/*',
    case: 'a forged token',
    request: (f) => ({ method: 'GET', url: `/u/${f.forged.unsubscribe}` }),
    status: 404,
    page: true,
  },
  {
    route: 'GET /u/*',
    case: 'SQL in the token',
    request: () => ({ method: 'GET', url: `/u/${encodeURIComponent("' OR 1=1--")}` }),
    status: 404,
    page: true,
  },
  {
    route: 'POST /u/*',
    case: 'a forged token',
    request: (f) => ({
      method: 'POST',
      url: `/u/${f.forged.unsubscribe}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    }),
    status: 404,
    page: true,
  },
  {
    route: 'POST /u/*',
    case: 'a body over 4 KB',
    request: (f) => ({
      method: 'POST',
      url: `/u/${f.tokens.unsubscribe}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `List-Unsubscribe=One-Click&pad=${'x'.repeat(5000)}`,
    }),
    status: 413,
    code: 'body_too_large',
  },
  {
    route: 'GET /t/o/*',
    case: 'a forged token still gets the pixel, counting nothing',
    request: (f) => ({ method: 'GET', url: `/t/o/${f.forged.open}`, headers: { 'user-agent': 'Mozilla/5.0' } }),
    status: 200,
    page: true,
  },
  {
    route: 'GET /t/c/*',
    case: 'a forged token',
    request: (f) => ({
      method: 'GET',
      url: `/t/c/${f.forged.click}?u=${encodeURIComponent('https://evil.example')}`,
      headers: { 'user-agent': 'Mozilla/5.0' },
    }),
    status: 404,
    page: true,
  },
  {
    route: 'GET /t/c/*',
    case: 'an open token used as a click',
    request: (f) => ({ method: 'GET', url: `/t/c/${f.tokens.open}`, headers: { 'user-agent': 'Mozilla/5.0' } }),
    status: 404,
    page: true,
  },

  {
    route: 'unknown',
    case: 'GET of a route that does not exist',
    request: () => ({ method: 'GET', url: '/v1/leadz', headers: auth }),
    status: 404,
    code: 'not_found',
  },
  {
    route: 'unknown',
    case: 'a method the route does not have',
    request: () => ({ method: 'DELETE', url: '/v1/leads', headers: auth }),
    status: 404,
    code: 'not_found',
  },
  {
    route: 'unknown',
    case: 'a path with SQL and a NUL',
    request: () => ({
      method: 'POST',
      url: `/v1/${encodeURIComponent("'; DROP TABLE leads;--")}%00`,
      headers: auth,
      payload: {},
    }),
    status: 404,
    code: 'not_found',
  },
  {
    route: 'unknown',
    case: 'a path of 10 KB',
    request: () => ({ method: 'GET', url: `/v1/${'x'.repeat(10 * 1024)}` }),
    status: 404,
  },
];
