import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { BAD_IDS, BAD_KEYS, HOSTILE, KEY_STATUS } from './cases.ts';
import type { ConsoleSession, Fixtures, Row } from './table.ts';

// The console's pages: a person's browser, with a session cookie and the forms' CSRF token.
// Every answer is a page (HTML), never a 5xx; a refused form changes nothing.

type Who = 'marketer' | 'sales';
type Fields = Record<string, string | readonly string[]>;
const MJML =
  '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.name}} 様</mj-text></mj-column></mj-section></mj-body></mjml>';
const UNKNOWN_ID = BAD_IDS['an unknown id'];

const session = (f: Fixtures, who: Who): ConsoleSession => f.sessions[who];
const encode = (fields: Fields) => {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) params.append(name, v);
  return params.toString();
};

/** A page as the reader's browser asks for it. */
const getAs =
  (who: Who | null, url: string) =>
  (f: Fixtures): InjectOptions => ({ method: 'GET', url, headers: who ? { cookie: session(f, who).cookie } : {} });

/**
 * A form as the browser posts it, with the session's CSRF token unless `csrf` says what
 * to send instead (`null`: none).
 */
const postAs =
  (who: Who | null, url: string, fields: Fields = {}, csrf?: (f: Fixtures) => string | null) =>
  (f: Fixtures): InjectOptions => {
    const token = csrf ? csrf(f) : who ? session(f, who).csrf : 'no-session';
    return {
      method: 'POST',
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(who ? { cookie: session(f, who).cookie } : {}),
      },
      payload: encode({ ...fields, ...(token === null ? {} : { _csrf: token }) }),
    };
  };

const row = (
  route: string,
  name: string,
  request: Row['request'],
  status: Row['status'],
  extra: Partial<Row> = {},
): Row => ({ route, case: name, request, status, page: true, ...extra });

/** A hostile string never comes back as markup. */
const escaped = async (_f: Fixtures, response: LightMyRequestResponse) =>
  expect(response.body).not.toContain(HOSTILE['an HTML script tag']);
const redirectsTo = (pattern: RegExp) => async (_f: Fixtures, response: LightMyRequestResponse) =>
  expect(String(response.headers.location)).toMatch(pattern);

// Every console GET page, with a URL for it that a marketer can open.
const PAGES: [string, (f: Fixtures) => string][] = [
  ['GET /', () => '/'],
  ['GET /dm-tasks', () => '/dm-tasks'],
  ['GET /inbox', () => '/inbox'],
  ['GET /tasks', () => '/tasks'],
  ['GET /pipeline', () => '/pipeline'],
  ['GET /outbox', () => '/outbox'],
  ['GET /outbox/:id', (f) => `/outbox/${f.outboxMessageId}`],
  ['GET /cadences', () => '/cadences'],
  ['GET /cadences/new', () => '/cadences/new'],
  ['GET /cadences/:key', () => '/cadences/default'],
  ['GET /cadences/:key/edit', () => '/cadences/default/edit'],
  ['GET /templates', () => '/templates'],
  ['GET /templates/:key', () => '/templates/welcome'],
  ['GET /leads', () => '/leads'],
  ['GET /leads/without-consent', () => '/leads/without-consent'],
  ['GET /leads/:id', (f) => `/leads/${f.leadId}`],
  ['GET /leads/:id/timeline', (f) => `/leads/${f.leadId}/timeline`],
  ['GET /accounts', () => '/accounts'],
  ['GET /accounts/:id', (f) => `/accounts/${f.accountId}`],
  ['GET /performance', () => '/performance'],
  ['GET /broadcasts', () => '/broadcasts'],
  ['GET /broadcasts/new', () => '/broadcasts/new'],
  ['GET /segments', () => '/segments'],
  ['GET /segments/:id', (f) => `/segments/${f.segmentId}`],
];

/** Every console form, with a URL and the fields a marketer would post to it. */
const FORMS: [string, (f: Fixtures) => string, Fields][] = [
  ['POST /dm-tasks/complete', () => '/dm-tasks/complete', { ids: UNKNOWN_ID }],
  ['POST /inbox/:id/ack', (f) => `/inbox/${f.escalationId}/ack`, {}],
  ['POST /tasks/:id/complete', (f) => `/tasks/${f.todoTaskId}/complete`, { note: '電話しました' }],
  [
    'POST /cadences/new',
    () => '/cadences/new',
    {
      key: 'console-new',
      name: 'Console',
      'nurture.steps.0.after': 'P1D',
      'nurture.steps.0.channel': 'email',
      'nurture.steps.0.template': 'welcome',
      action: 'save',
    },
  ],
  [
    'POST /cadences/:key/edit',
    () => '/cadences/default/edit',
    {
      name: 'Edited',
      'nurture.steps.0.after': 'P1D',
      'nurture.steps.0.channel': 'email',
      'nurture.steps.0.template': 'welcome',
      action: 'save',
    },
  ],
  ['POST /templates/:key', () => '/templates/console-bad-input?locale=ja', { subject: 'ご案内', mjml: MJML }],
  ['POST /templates/:key/preview', () => '/templates/welcome/preview', { subject: 'ご案内', mjml: MJML }],
  [
    'POST /templates/:key/test-send',
    () => '/templates/welcome/test-send',
    { subject: 'ご案内', mjml: MJML, to: 'qa@example.jp' },
  ],
  ['POST /leads', () => '/leads', { email: 'console-new@example.jp', name: 'Console' }],
  ['POST /leads/:id/pause', (f) => `/leads/${f.leadId}/pause`, {}],
  ['POST /leads/:id/resume', (f) => `/leads/${f.leadId}/resume`, {}],
  ['POST /leads/:id/do-not-contact', (f) => `/leads/${f.leadId}/do-not-contact`, {}],
  ['POST /leads/:id/owner', (f) => `/leads/${f.leadId}/owner`, { ownerEmail: 'rep@example.jp' }],
  ['POST /leads/:id/stage', (f) => `/leads/${f.leadId}/stage`, { stage: 'deal', reason: 'asked for a quote' }],
  [
    'POST /performance/tests/end',
    () => '/performance/tests/end',
    { cadence: 'default', stage: 'nurturing', step: '0', keep: 'welcome' },
  ],
  [
    'POST /broadcasts/new',
    () => '/broadcasts/new',
    { name: 'セミナー案内', template: 'monthly-checkin', source: 'segment', segmentId: UNKNOWN_ID, action: 'preview' },
  ],
  ['POST /broadcasts/:id/action', () => `/broadcasts/${UNKNOWN_ID}/action`, { action: 'pause' }],
  ['POST /segments', () => '/segments', { name: 'Console segment', stage: 'nurturing' }],
  [
    'POST /segments/:id/bulk',
    (f) => `/segments/${f.segmentId}/bulk`,
    { action: 'add_tag', tag: 'vip', step: 'confirm' },
  ],
  ['POST /bulk-actions/:id/cancel', () => `/bulk-actions/${UNKNOWN_ID}/cancel`, {}],
];
// A sales rep works the inbox and reads leads; every other form is refused (and signing out is theirs).
const SALES_MAY = new Set(['POST /inbox/:id/ack', 'POST /tasks/:id/complete']);

// The template pages' query schemas refuse a parameter they do not know (422); the other
// pages ignore it (200).
const STRICT_QUERY = new Set(['GET /templates', 'GET /templates/:key']);

const pageRows = PAGES.flatMap(([route, url]): Row[] => [
  row(route, 'no session: to the sign-in form, and back after', (f) => getAs(null, url(f))(f), 303, {
    stored: redirectsTo(/^\/sign-in\?next=%2F/),
  }),
  row(
    route,
    'a made-up session cookie',
    (f) => ({ method: 'GET', url: url(f), headers: { cookie: 'lle_session=made-up-session-id' } }),
    303,
    { stored: redirectsTo(/^\/sign-in\?/) },
  ),
  row(
    route,
    'an unknown query parameter',
    (f) =>
      getAs(
        'marketer',
        `${url(f)}${url(f).includes('?') ? '&' : '?'}unexpected=${encodeURIComponent(HOSTILE['SQL metacharacters'])}`,
      )(f),
    STRICT_QUERY.has(route) ? 422 : 200,
    { stored: escaped },
  ),
]);

const formCases = ([route, url, fields]: (typeof FORMS)[number]): Row[] => [
  row(route, 'no session', (f) => postAs(null, url(f), fields)(f), 401),
  row(route, 'a session without the CSRF token', (f) => postAs('marketer', url(f), fields, () => null)(f), 403),
  row(route, 'a wrong CSRF token', (f) => postAs('marketer', url(f), fields, () => 'forged-token')(f), 403),
  row(
    route,
    "another session's CSRF token",
    (f) => postAs('marketer', url(f), fields, (g) => g.sessions.sales.csrf)(f),
    403,
  ),
  row(
    route,
    'the CSRF token in the query string only',
    (f) => ({
      ...postAs('marketer', url(f), fields, () => null)(f),
      url: `${url(f)}${url(f).includes('?') ? '&' : '?'}_csrf=${encodeURIComponent(f.sessions.marketer.csrf)}`,
    }),
    403,
  ),
  // JSON is the API's format; without the form's token it is a forged post like any other.
  row(
    route,
    'a JSON body without the token',
    (f) => ({
      method: 'POST',
      url: url(f),
      headers: { cookie: f.sessions.marketer.cookie, 'content-type': 'application/json' },
      payload: JSON.stringify(fields),
    }),
    403,
  ),
  row(
    route,
    'a text/plain body',
    (f) => ({
      method: 'POST',
      url: url(f),
      headers: { cookie: f.sessions.marketer.cookie, 'content-type': 'text/plain' },
      payload: encode({ ...fields, _csrf: f.sessions.marketer.csrf }),
    }),
    415,
  ),
  row(
    route,
    'a form over 1 MB',
    (f) => postAs('marketer', url(f), { ...fields, pad: 'x'.repeat(1024 * 1024) })(f),
    413,
  ),
  ...(SALES_MAY.has(route)
    ? []
    : [
        row(route, 'a sales session (a role that may not)', (f) => postAs('sales', url(f), fields)(f), 403, {
          stored: escaped,
        }),
      ]),
];
const formRows = FORMS.flatMap(formCases);
// Last: a sign-out that got through would end the session the rows after it use.
const signOutRows = formCases(['POST /sign-out', () => '/sign-out', {}]).filter(
  (r) => !r.case.startsWith('a sales session'),
);

const leadIdRoutes = [
  'GET /leads/:id',
  'GET /leads/:id/timeline',
  'POST /leads/:id/pause',
  'POST /leads/:id/resume',
  'POST /leads/:id/do-not-contact',
  'POST /leads/:id/owner',
  'POST /leads/:id/stage',
  'POST /inbox/:id/ack',
  'POST /tasks/:id/complete',
  'GET /outbox/:id',
  'GET /accounts/:id',
  'GET /broadcasts/:id',
  'POST /broadcasts/:id/action',
  'GET /segments/:id',
  'POST /segments/:id/bulk',
  'GET /bulk-actions/:id',
  'POST /bulk-actions/:id/cancel',
];
// A lead id is looked up as it is (404 for anything that is no lead's). An escalation's or
// a task's id must be a uuid (422), and an outbox id a file name without NUL or quotes
// (422); the router answers an id over 100 characters 404 before any route runs.
const idStatus = (route: string, name: string): number => {
  if (name === 'an id over 100 characters' || name === 'an unknown id') return 404;
  if (route === 'GET /outbox/:id') return name === 'a malformed id' ? 404 : 422;
  return route === 'POST /inbox/:id/ack' || route === 'POST /tasks/:id/complete' ? 422 : 404;
};
const badIdRows = leadIdRoutes.flatMap((route): Row[] => {
  const [verb, pattern] = route.split(' ') as [string, string];
  const fields: Fields = route.endsWith('/stage')
    ? { stage: 'deal' }
    : route.endsWith('/action')
      ? { action: 'pause' }
      : route.endsWith('/owner')
        ? { ownerEmail: 'rep@example.jp' }
        : route.endsWith('/bulk')
          ? { action: 'pause', step: 'confirm' }
          : {};
  return Object.entries(BAD_IDS).map(([name, id]) =>
    row(
      route,
      name,
      (f) =>
        (verb === 'GET'
          ? getAs('marketer', pattern.replace(':id', id))
          : postAs('marketer', pattern.replace(':id', id), fields))(f),
      idStatus(route, name),
    ),
  );
});
const outboxPathRows = ['..%2Fsecret', '..%252Fsecret', '%2Fetc%2Fpasswd', '..%5Csecret'].map((id) =>
  row(
    'GET /outbox/:id',
    `a path out of the outbox: ${decodeURIComponent(id)}`,
    getAs('marketer', `/outbox/${id}`),
    422,
  ),
);

const keyRoutes: [string, string, Fields | null][] = [
  ['GET /cadences/:key', '/cadences/:key', null],
  ['GET /cadences/:key/edit', '/cadences/:key/edit', null],
  // The edit route of a key no cadence has answers 404 before it reads the form, as its GET
  // does (it once saved a new cadence there); a form with a bad key shape is refused first.
  ['POST /cadences/:key/edit', '/cadences/:key/edit', { name: 'x', action: 'save' }],
  ['GET /templates/:key', '/templates/:key', null],
  ['POST /templates/:key', '/templates/:key', { subject: 'x', mjml: MJML }],
  ['POST /templates/:key/preview', '/templates/:key/preview', { subject: 'x', mjml: MJML }],
  ['POST /templates/:key/test-send', '/templates/:key/test-send', { to: 'qa@example.jp' }],
];
const badKeyRows = keyRoutes.flatMap(([route, pattern, fields]): Row[] => [
  ...Object.entries(BAD_KEYS).map(([name, key]) =>
    row(
      route,
      name,
      (f) =>
        (fields
          ? postAs('marketer', pattern.replace(':key', key), fields)
          : getAs('marketer', pattern.replace(':key', key)))(f),
      KEY_STATUS(name),
    ),
  ),
  ...(route.startsWith('GET /cadences') || route.startsWith('POST /cadences')
    ? [
        row(
          route,
          'a key no cadence has',
          (f) =>
            (fields
              ? postAs('marketer', pattern.replace(':key', 'no-such-cadence'), fields)
              : getAs('marketer', pattern.replace(':key', 'no-such-cadence')))(f),
          404,
        ),
      ]
    : []),
]);

/** Each hostile string in a field or query parameter: `legitStatus` answers text that is data (per kind, where it differs), 422 the rest. */
const hostileRows = (
  route: string,
  name: string,
  request: (value: string) => Row['request'],
  legitStatus: number | ((kind: string) => number),
  extra: (value: string) => Partial<Row> = () => ({}),
): Row[] => {
  const legit = (kind: string) => (typeof legitStatus === 'number' ? legitStatus : legitStatus(kind));
  return Object.entries(HOSTILE).map(([kind, value]) => {
    const legitimate = !['a NUL character', 'a 10 KB string'].includes(kind);
    // A NUL or 10 KB in any console field or parameter is refused by its schema (422).
    return row(
      route,
      `${name}: ${kind}`,
      request(value),
      legitimate ? legit(kind) : 422,
      legitimate ? { stored: escaped, ...extra(value) } : { stored: escaped },
    );
  });
};

// A fresh address per row, so each legitimate name makes its own lead.
let made = 0;
const newLeadRows = hostileRows(
  'POST /leads',
  'name',
  (value) => postAs('marketer', '/leads', { email: `console-hostile-${++made}@example.jp`, name: value }),
  303,
  (value) => ({
    // A new lead: its row and its workflow's start, nothing else; `stored` checks the name
    // came back verbatim.
    changesOnly: ['leads'],
    temporal: 'start',
    stored: async (f, response) => {
      const id = /\/leads\/([0-9a-f-]{36})/.exec(String(response.headers.location))?.[1] ?? '';
      expect(((await f.get(`/v1/leads/${id}`)) as { profile: { name: string } }).profile.name).toBe(value);
    },
  }),
);

const saveTemplateRows = hostileRows(
  'POST /templates/:key',
  'subject',
  (value) => postAs('marketer', '/templates/console-hostile?locale=ja', { subject: value, mjml: MJML }),
  303,
  (value) => ({
    // A new template version, and nothing else (no lead, no workflow is touched).
    changesOnly: ['templates'],
    stored: async (f) =>
      expect(((await f.get('/v1/templates/console-hostile?locale=ja')) as { subject: string }).subject).toBe(value),
  }),
);

const signInRows: Row[] = [
  row('GET /sign-in', 'next=//evil.example is not kept', getAs(null, '/sign-in?next=%2F%2Fevil.example'), 200, {
    stored: async (_f, r) => expect(r.body).toContain('name="next" value="/"'),
  }),
  row('GET /sign-in', 'a next over 2,000 characters', getAs(null, `/sign-in?next=/${'x'.repeat(2100)}`), 422),
  row(
    'GET /sign-in',
    'hostile text in next',
    getAs(null, `/sign-in?next=${encodeURIComponent(`/"><script>alert("x")</script>`)}`),
    200,
    { stored: escaped },
  ),
  row(
    'POST /sign-in',
    'a forged form (no pre-session cookie)',
    (f) => ({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: encode({ key: f.keys.marketer, _csrf: f.sessions.signInForm.csrf }),
    }),
    403,
    { stored: async (_f, r) => expect(r.headers['set-cookie'] ?? '').not.toContain('lle_session=') },
  ),
  row(
    'POST /sign-in',
    'a token that is not the cookie’s',
    (f) => ({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: f.sessions.signInForm.cookie },
      payload: encode({ key: f.keys.marketer, _csrf: 'made-up' }),
    }),
    403,
  ),
  row(
    'POST /sign-in',
    'no token',
    (f) => ({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: f.sessions.signInForm.cookie },
      payload: encode({ key: f.keys.marketer }),
    }),
    // The sign-in form's schema requires the token field.
    422,
  ),
  row(
    'POST /sign-in',
    'a wrong key',
    (f) => ({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: f.sessions.signInForm.cookie },
      payload: encode({ key: 'lle_not-a-key', _csrf: f.sessions.signInForm.csrf }),
    }),
    401,
  ),
  ...hostileRows(
    'POST /sign-in',
    'key',
    (value) => (f) => ({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: f.sessions.signInForm.cookie },
      payload: encode({ key: value, _csrf: f.sessions.signInForm.csrf }),
    }),
    401,
  ),
  ...['//evil.example', '/\\evil.example', 'https://evil.example/', '/%2F%2Fevil.example'].map((next) =>
    // A sign-in adds a console session: the only change allowed.
    row(
      'POST /sign-in',
      `next=${next} lands on this site`,
      (f) => ({
        method: 'POST',
        url: '/sign-in',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: f.sessions.signInForm.cookie },
        payload: encode({ key: f.keys.sales, _csrf: f.sessions.signInForm.csrf, next }),
      }),
      303,
      {
        stored: async (_f, r) => expect(String(r.headers.location)).toMatch(/^\/(?![/\\])/),
        changesOnly: ['console_sessions'],
      },
    ),
  ),
  row(
    'POST /sign-in',
    'a JSON body without the token',
    (f) => ({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/json', cookie: f.sessions.signInForm.cookie },
      payload: JSON.stringify({ key: f.keys.marketer }),
    }),
    // JSON is parsed like any body; without the token field the schema refuses it.
    422,
  ),
  row(
    'POST /sign-in',
    'an unknown field',
    (f) => ({
      method: 'POST',
      url: '/sign-in',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: f.sessions.signInForm.cookie },
      payload: encode({ key: f.keys.marketer, _csrf: f.sessions.signInForm.csrf, role: 'admin' }),
    }),
    422,
  ),
  row('GET /lang/:lang', 'a language the console does not have', getAs(null, '/lang/xx'), 422),
  row('GET /lang/:lang', 'a NUL as the language', getAs(null, '/lang/%00'), 422),
  ...['//evil.example', 'https://evil.example/', '/\\evil.example'].map((next) =>
    row(
      'GET /lang/:lang',
      `next=${next} stays on this site`,
      getAs(null, `/lang/en?next=${encodeURIComponent(next)}`),
      303,
      { stored: redirectsTo(/^\/(?![/\\])/) },
    ),
  ),
  row('GET /assets/:name', 'an asset that does not exist', getAs(null, '/assets/nothing.js'), 404),
  row('GET /assets/:name', 'a path out of the assets', getAs(null, '/assets/..%2Fplugin.ts'), 404),
  row('GET /assets/:name', 'a path to the package', getAs(null, '/assets/..%2F..%2Fpackage.json'), 404),
  row(
    'GET /assets/:name',
    'an asset that exists (so the rows above can fail)',
    getAs(null, '/assets/console.css'),
    200,
  ),
];

// A filter or display parameter below is either refused by its schema (422: a closed list,
// a pattern or a length) or taken as text and shown escaped (200); which one is each
// parameter's own, and neither may change anything (the snapshot).
const fieldRows: Row[] = [
  ...hostileRows('GET /leads', 'q', (value) => getAs('marketer', `/leads?q=${encodeURIComponent(value)}`), 200),
  ...hostileRows('GET /leads', 'stage', (value) => getAs('marketer', `/leads?stage=${encodeURIComponent(value)}`), 422),
  row('GET /leads', 'a made-up cursor', getAs('marketer', '/leads?cursor=eyJpZCI6MX0'), 422),
  ...hostileRows('GET /accounts', 'q', (value) => getAs('marketer', `/accounts?q=${encodeURIComponent(value)}`), 200),
  row('GET /accounts', 'a made-up cursor', getAs('marketer', '/accounts?cursor=eyJpZCI6MX0'), 422),
  ...newLeadRows,
  ...hostileRows('POST /leads', 'email', (value) => postAs('marketer', '/leads', { email: value, name: 'x' }), 422),
  ...hostileRows(
    'POST /leads/:id/owner',
    'ownerEmail',
    (value) => (f) => postAs('marketer', `/leads/${f.leadId}/owner`, { ownerEmail: value })(f),
    422,
  ),
  ...hostileRows(
    'POST /leads/:id/stage',
    'stage',
    (value) => (f) => postAs('marketer', `/leads/${f.leadId}/stage`, { stage: value })(f),
    422,
  ),
  row(
    'POST /leads/:id/stage',
    'a move the lead cannot make',
    (f) => postAs('marketer', `/leads/${f.leadId}/stage`, { stage: 'customer' })(f),
    409,
  ),
  ...saveTemplateRows,
  ...hostileRows(
    'POST /templates/:key/preview',
    'sample_name',
    (value) =>
      postAs('marketer', '/templates/welcome/preview', { subject: '{{lead.name}}', mjml: MJML, sample_name: value }),
    200,
  ),
  ...hostileRows(
    'POST /templates/:key/test-send',
    'to',
    (value) => postAs('marketer', '/templates/welcome/test-send', { subject: 'x', mjml: MJML, to: value }),
    422,
  ),
  ...hostileRows(
    'POST /cadences/new',
    'key',
    (value) =>
      postAs('marketer', '/cadences/new', {
        key: value,
        name: 'x',
        'nurture.steps.0.after': 'P1D',
        'nurture.steps.0.channel': 'email',
        action: 'save',
      }),
    422,
  ),
  ...hostileRows(
    'POST /cadences/new',
    'name, previewed',
    (value) =>
      postAs('marketer', '/cadences/new', {
        key: 'console-preview',
        name: value,
        'nurture.steps.0.after': 'P1D',
        'nurture.steps.0.channel': 'task',
        'nurture.steps.0.title': 'Call',
        'sendWindow.mode': 'none',
        action: 'preview',
      }),
    200,
  ),
  ...[
    'add-step:nurture',
    'remove-step:nurture:999',
    'up-step:upsell:-1',
    'down-step:nowhere:0',
    HOSTILE['SQL metacharacters'],
  ].map((action) =>
    row(
      'POST /cadences/new',
      `a step button that is no button: ${action}`,
      postAs('marketer', '/cadences/new', { key: 'console-step', 'nurture.steps.0.after': 'P1D', action }),
      // Buttons of a known kind and sequence redraw the form (a step past the end changes
      // nothing); an unknown sequence, a negative index or no button at all is refused.
      ['add-step:nurture', 'remove-step:nurture:999'].includes(action) ? 200 : 422,
      { stored: escaped },
    ),
  ),
  row(
    'POST /cadences/new',
    'a step index past the form',
    postAs('marketer', '/cadences/new', { key: 'console-gap', 'nurture.steps.999.after': 'P1D', action: 'preview' }),
    422,
  ),
  row(
    'POST /cadences/new',
    '2,001 fields',
    postAs('marketer', '/cadences/new', Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`f${i}`, 'x']))),
    422,
  ),
  ...hostileRows(
    'GET /cadences/:key',
    'start',
    (value) => getAs('marketer', `/cadences/default?start=${encodeURIComponent(value)}`),
    // At most 20 characters (422 past that); shorter text that is no date previews from today.
    (kind) => (HOSTILE[kind as keyof typeof HOSTILE].length > 20 ? 422 : 200),
  ),
  ...hostileRows(
    'GET /cadences/:key',
    'impact after saving',
    (value) => getAs('marketer', `/cadences/default?saved=1&impact=${encodeURIComponent(value)}`),
    422,
  ),
  ...hostileRows(
    'GET /cadences/:key',
    'steps of the impact after saving',
    (value) => getAs('marketer', `/cadences/default?saved=1&impact=1.0.0.0.1&at=${encodeURIComponent(value)}`),
    422,
  ),
  row(
    'GET /cadences/:key',
    'an impact with a step past any sequence',
    getAs('marketer', '/cadences/default?saved=1&impact=9.1.2.0.1&at=n999~9,r-~1'),
    200,
  ),
  row('GET /cadences/:key', 'a version that does not exist', getAs('marketer', '/cadences/default?version=999'), 404),
  ...hostileRows(
    'GET /templates',
    'newKey',
    (value) => getAs('marketer', `/templates?newKey=${encodeURIComponent(value)}`),
    422,
  ),
  row('GET /templates/:key', 'an unknown locale', getAs('marketer', '/templates/welcome?locale=fr'), 422),
  ...hostileRows(
    'GET /dm-tasks',
    'status',
    (value) => getAs('marketer', `/dm-tasks?status=${encodeURIComponent(value)}`),
    422,
  ),
  ...hostileRows(
    'POST /dm-tasks/complete',
    'ids',
    // Ids that are no task's complete nothing: back to the queue.
    (value) => postAs('marketer', '/dm-tasks/complete', { ids: value }),
    303,
  ),
  ...hostileRows(
    'POST /dm-tasks/complete',
    'only',
    (value) => postAs('marketer', `/dm-tasks/complete?only=${encodeURIComponent(value)}`),
    303,
  ),
  row(
    'POST /dm-tasks/complete',
    '1,001 ids',
    postAs('marketer', '/dm-tasks/complete', { ids: Array.from({ length: 1001 }, (_, i) => String(i)) }),
    422,
  ),
  // The performance page: a period of days, a template whose links are shown (text that
  // names no template shows none), and the notice after ending a test (escaped text).
  ...hostileRows(
    'GET /performance',
    'from',
    (value) => getAs('marketer', `/performance?from=${encodeURIComponent(value)}`),
    422,
  ),
  ...hostileRows(
    'GET /performance',
    'template',
    (value) => getAs('marketer', `/performance?template=${encodeURIComponent(value)}`),
    200,
  ),
  ...hostileRows(
    'GET /performance',
    'ended',
    (value) => getAs('marketer', `/performance?ended=${encodeURIComponent(value)}`),
    200,
  ),
  row('GET /performance', 'to before from', getAs('marketer', '/performance?from=2026-02-01&to=2026-01-31'), 422),
  row('GET /performance', 'a day that is no date', getAs('marketer', '/performance?to=2026-1-31'), 422),
  // The default cadence tests no variants: every form the schema takes is answered 422.
  ...hostileRows(
    'POST /performance/tests/end',
    'keep',
    (value) =>
      postAs('marketer', '/performance/tests/end', { cadence: 'default', stage: 'nurturing', step: '0', keep: value }),
    422,
  ),
  ...hostileRows(
    'POST /performance/tests/end',
    'cadence',
    (value) =>
      postAs('marketer', '/performance/tests/end', { cadence: value, stage: 'nurturing', step: '0', keep: 'welcome' }),
    422,
  ),
  row(
    'POST /performance/tests/end',
    'a cadence no cadence has',
    postAs('marketer', '/performance/tests/end', {
      cadence: 'no-such-cadence',
      stage: 'nurturing',
      step: '0',
      keep: 'welcome',
    }),
    404,
  ),
  row(
    'POST /performance/tests/end',
    'a step that is no number',
    postAs('marketer', '/performance/tests/end', {
      cadence: 'default',
      stage: 'nurturing',
      step: '0; DROP TABLE cadences',
      keep: 'welcome',
    }),
    422,
  ),
  row(
    'POST /performance/tests/end',
    'a step that tests no variants',
    postAs('marketer', '/performance/tests/end', {
      cadence: 'default',
      stage: 'nurturing',
      step: '0',
      keep: 'welcome',
    }),
    422,
  ),
  ...hostileRows(
    'GET /tasks',
    'status',
    (value) => getAs('marketer', `/tasks?status=${encodeURIComponent(value)}`),
    422,
  ),
  ...hostileRows('GET /tasks', 'owner', (value) => getAs('sales', `/tasks?owner=${encodeURIComponent(value)}`), 200),
  ...hostileRows(
    'POST /tasks/:id/complete',
    'note',
    // The fixture task is done already: the note is accepted and the first completion kept.
    (value) => (f) => postAs('sales', `/tasks/${f.todoTaskId}/complete`, { note: value })(f),
    303,
  ),
  ...hostileRows(
    'GET /inbox',
    'status',
    (value) => getAs('marketer', `/inbox?status=${encodeURIComponent(value)}`),
    422,
  ),
  row(
    'GET /',
    'capacity inputs that are no numbers',
    getAs('marketer', `/?dailyActivities=${encodeURIComponent(HOSTILE['SQL metacharacters'])}&reps=0`),
    422,
  ),
  ...hostileRows(
    'GET /leads/:id/timeline',
    'v',
    (value) => (f) => getAs('marketer', `/leads/${f.leadId}/timeline?v=${encodeURIComponent(value)}`)(f),
    200,
  ),
  // Pages a sales rep may not open answer 403, not another role's data.
  ...['/cadences/new', '/cadences/default/edit', '/templates/welcome', '/dm-tasks', '/outbox'].map((url) =>
    row(
      `GET ${url.replace('default', ':key').replace('welcome', ':key')}`,
      'a sales session (a role that may not)',
      getAs('sales', url),
      403,
    ),
  ),
];

/** The table's rows for the console's pages and forms. */
export const consoleRows: Row[] = [
  ...pageRows,
  ...formRows,
  ...badIdRows,
  ...outboxPathRows,
  ...badKeyRows,
  ...signInRows,
  ...fieldRows,
  ...signOutRows,
];
