import { expect } from 'vitest';
import { auth } from '../../support/services.ts';
import {
  BAD_KEYS,
  badIdCases,
  KEY_STATUS,
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

// Cadences and templates: what marketers write.

const admin = () => auth;
const MJML =
  '<mjml><mj-body><mj-section><mj-column><mj-text>{{lead.company}} {{lead.name}} 様</mj-text></mj-column></mj-section></mj-body></mjml>';

const putCadence: BodyRoute = {
  route: 'PUT /v1/cadences/:key',
  url: () => '/v1/cadences/bad-input',
  credentials: admin,
  ok: 201,
  valid: () => ({
    name: 'Bad input',
    nurture: { steps: [{ after: 'P1D', channel: 'email', template: 'welcome', title: 'First touch' }] },
    reactivation: { eligibleReasons: ['budget'], waitAfterEnd: 'P6M', steps: [] },
  }),
};

const putTemplate: BodyRoute = {
  route: 'PUT /v1/templates/:key',
  url: () => '/v1/templates/bad-input',
  credentials: admin,
  ok: 201,
  valid: () => ({ subject: 'ご案内 {{lead.name}} 様', mjml: MJML, locale: 'ja' }),
};

const preview: BodyRoute = {
  route: 'POST /v1/templates/:key/preview',
  url: () => '/v1/templates/bad-input/preview',
  credentials: admin,
  valid: () => ({
    subject: 'ご案内 {{lead.name}} 様',
    mjml: MJML,
    lead: { name: '山田 太郎', company: '株式会社サンプル', email: 'taro@example.jp' },
  }),
};
// The preview stores nothing; lead data comes back in the text part, and escaped in the HTML.
const previewed = data(
  200,
  async (_f: Fixtures, response) => {
    const { html, text } = response.json<{ html: string; text: string }>();
    expect(html).not.toContain('<script>');
    return text;
  },
  {},
);

const keyRoutes = [
  'GET /v1/cadences/:key',
  'GET /v1/templates/:key',
  'GET /v1/cadences/:key/versions',
  'GET /v1/templates/:key/versions',
];

const previewTimeline: BodyRoute = {
  route: 'POST /v1/cadences/preview-timeline',
  url: () => '/v1/cadences/preview-timeline',
  credentials: admin,
  valid: () => ({
    cadence: putCadence.valid({} as Fixtures),
    start: '2026-01-05T09:00:00+09:00',
    timezone: 'Asia/Tokyo',
    count: 3,
  }),
};
const timelineRow = (name: string, body: (valid: Record<string, unknown>) => unknown, names: string[]): Row => ({
  route: previewTimeline.route,
  case: name,
  request: (f) => send(previewTimeline, f, JSON.stringify(body(previewTimeline.valid(f) as Record<string, unknown>))),
  status: 422,
  code: 'invalid',
  names,
});

const testSend: BodyRoute = {
  route: 'POST /v1/templates/:key/test-send',
  url: () => '/v1/templates/welcome/test-send',
  credentials: admin,
  valid: () => ({ to: 'qa@example.jp', locale: 'ja', data: { name: '山田 太郎' } }),
};

const endTest: BodyRoute = {
  route: 'POST /v1/cadences/:key/variants/end',
  url: () => '/v1/cadences/default/variants/end',
  credentials: admin,
  // The default cadence tests no variants: a body the schema takes is a 422 (no test on the
  // step), and no version is saved.
  ok: 422,
  valid: () => ({ stage: 'nurturing', step: 0, keep: 'welcome' }),
};
const endTestRow = (name: string, body: object, status: number, code: string, names: string[]): Row => ({
  route: endTest.route,
  case: name,
  request: (f) => send(endTest, f, JSON.stringify(body)),
  status,
  code,
  names,
});

/** The table's rows for the cadence and template routes. */
export const contentRows: Row[] = [
  ...keyCases(putCadence.route, (f) => send(putCadence, f, JSON.stringify(putCadence.valid(f)))),
  ...bodyCases(putCadence),
  ...missingFieldCases(putCadence, ['/name', '/nurture', '/nurture/steps/0/after']),
  ...stringFieldCases(putCadence, {
    // Each save is a new version of the cadence, and nothing else.
    '/name': data(200, (f) => f.get('/v1/cadences/bad-input'), { changesOnly: ['cadences'] }),
    '/nurture/steps/0/after': strict,
    '/nurture/steps/0/channel': strict,
    '/nurture/steps/0/template': strict,
    '/nurture/steps/0/title': data(200, (f) => f.get('/v1/cadences/bad-input'), { changesOnly: ['cadences'] }),
    '/reactivation/eligibleReasons/0': data(100, (f) => f.get('/v1/cadences/bad-input'), { changesOnly: ['cadences'] }),
  }),
  {
    route: putCadence.route,
    case: 'a key in the body other than the URL',
    request: (f) => send(putCadence, f, JSON.stringify({ ...(putCadence.valid(f) as object), key: 'other' })),
    status: 422,
    code: 'invalid',
    names: ['key'],
  },
  ...badIdCases(putCadence.route, (key) => `/v1/cadences/${key}`, admin, KEY_STATUS, BAD_KEYS).map((row) => ({
    ...row,
    request: (f: Fixtures) => ({ ...row.request(f), payload: putCadence.valid(f) as object }),
  })),

  ...keyCases(putTemplate.route, (f) => send(putTemplate, f, JSON.stringify(putTemplate.valid(f)))),
  ...bodyCases(putTemplate),
  ...missingFieldCases(putTemplate, ['/subject', '/mjml']),
  ...stringFieldCases(putTemplate, {
    '/subject': data(500, (f) => f.get('/v1/templates/bad-input'), { changesOnly: ['templates'] }),
    '/mjml': strict,
    '/locale': strict,
  }),
  {
    route: putTemplate.route,
    case: 'MJML with an unclosed Handlebars block',
    request: (f) =>
      send(
        putTemplate,
        f,
        JSON.stringify({
          ...(putTemplate.valid(f) as object),
          mjml: MJML.replace('{{lead.name}}', '{{#if lead.name}}'),
        }),
      ),
    status: 422,
    code: 'invalid',
    names: ['mjml'],
  },
  ...badIdCases(putTemplate.route, (key) => `/v1/templates/${key}`, admin, KEY_STATUS, BAD_KEYS).map((row) => ({
    ...row,
    request: (f: Fixtures) => ({ ...row.request(f), payload: putTemplate.valid(f) as object }),
  })),

  ...keyCases(preview.route, (f) => send(preview, f, JSON.stringify(preview.valid(f)))),
  ...bodyCases(preview),
  ...stringFieldCases(preview, { '/lead/name': previewed, '/lead/company': previewed, '/locale': strict }),
  ...badIdCases(preview.route, (key) => `/v1/templates/${key}/preview`, admin, KEY_STATUS, BAD_KEYS).map((row) => ({
    ...row,
    request: (f: Fixtures) => ({ ...row.request(f), payload: { lead: {} } }),
  })),

  ...keyRoutes.flatMap((route) => {
    const url = (key: string) => route.split(' ')[1]?.replace(':key', key) ?? '';
    return [
      ...keyCases(route, () => ({ method: 'GET', url: url('default'), headers: auth })),
      ...badIdCases(route, url, admin, KEY_STATUS, BAD_KEYS),
    ];
  }),
  {
    route: 'GET /v1/templates/:key',
    case: 'a key no template has',
    request: () => ({ method: 'GET', url: '/v1/templates/no-such-template', headers: auth }),
    status: 404,
    code: 'not_found',
  },
  {
    route: 'GET /v1/cadences/:key',
    case: 'a key no cadence has',
    request: () => ({ method: 'GET', url: '/v1/cadences/no-such-cadence', headers: auth }),
    status: 404,
    code: 'not_found',
  },
  {
    route: preview.route,
    case: 'a key no template has, without a draft',
    request: () => ({ method: 'POST', url: '/v1/templates/no-such-template/preview', headers: auth, payload: {} }),
    status: 404,
    code: 'not_found',
  },
  ...queryCases('GET /v1/templates/:key', '/v1/templates/welcome', admin, [
    ['an unknown locale', { locale: 'fr' }, 422, 'locale'],
    ['an unknown parameter', { version: '1' }, 422, 'version'],
  ]),
  {
    route: 'GET /v1/templates/:key/versions',
    case: 'a key no template has',
    request: () => ({ method: 'GET', url: '/v1/templates/no-such-template/versions', headers: auth }),
    status: 404,
    code: 'not_found',
  },
  {
    route: 'GET /v1/cadences/:key/versions',
    case: 'a key no cadence has',
    request: () => ({ method: 'GET', url: '/v1/cadences/no-such-cadence/versions', headers: auth }),
    status: 404,
    code: 'not_found',
  },
  ...queryCases('GET /v1/templates/:key/versions', '/v1/templates/welcome/versions', admin, [
    ['an unknown locale', { locale: 'fr' }, 422, 'locale'],
    ['an unknown parameter', { limit: '1' }, 422, 'limit'],
  ]),
  ...queryCases('GET /v1/cadences/:key/versions', '/v1/cadences/default/versions', admin, [
    ['an unknown parameter', { limit: '1' }, 422, 'limit'],
  ]),
  ...keyCases('GET /v1/templates', () => ({ method: 'GET', url: '/v1/templates', headers: auth })),
  ...queryCases('GET /v1/templates', '/v1/templates', admin, [
    ['an unknown parameter', { q: "'; DROP TABLE templates;--" }, 422, 'q'],
  ]),

  ...keyCases(previewTimeline.route, (f) => send(previewTimeline, f, JSON.stringify(previewTimeline.valid(f)))),
  ...bodyCases(previewTimeline),
  ...missingFieldCases(previewTimeline, ['/cadence', '/cadence/nurture', '/cadence/nurture/steps/0/after']),
  ...stringFieldCases(previewTimeline, {
    '/start': strict,
    '/timezone': strict,
    '/cadence/nurture/steps/0/after': strict,
    // Nothing is saved and the name is not in the answer: legitimate text changes nothing.
    '/cadence/name': { kind: 'ignored', max: 200 },
  }),
  timelineRow('a count of 0', (v) => ({ ...v, count: 0 }), ['count']),
  timelineRow('a count over 100', (v) => ({ ...v, count: 101 }), ['count']),
  timelineRow('a time zone that does not exist', (v) => ({ ...v, timezone: 'Mars/Olympus' }), ['timezone']),
  timelineRow('a start without an offset', (v) => ({ ...v, start: '2026-01-05 09:00' }), ['start']),

  ...keyCases(testSend.route, (f) => send(testSend, f, JSON.stringify(testSend.valid(f)))),
  ...bodyCases(testSend),
  ...missingFieldCases(testSend, ['/to']),
  ...stringFieldCases(testSend, { '/to': strict, '/locale': strict }),
  ...badIdCases(testSend.route, (key) => `/v1/templates/${key}/test-send`, admin, KEY_STATUS, BAD_KEYS).map((row) => ({
    ...row,
    request: (f: Fixtures) => ({ ...row.request(f), payload: testSend.valid(f) as object }),
  })),
  {
    route: testSend.route,
    case: 'a key no template has',
    request: (f) => ({
      method: 'POST',
      url: '/v1/templates/no-such-template/test-send',
      headers: auth,
      payload: testSend.valid(f) as object,
    }),
    status: 404,
    code: 'not_found',
  },
  {
    route: testSend.route,
    case: 'two addresses in to',
    request: (f) =>
      send(testSend, f, JSON.stringify({ ...(testSend.valid(f) as object), to: 'a@example.jp, b@example.jp' })),
    status: 422,
    code: 'invalid',
    names: ['to'],
  },
  {
    route: testSend.route,
    case: 'a header injected in to',
    request: (f) =>
      send(testSend, f, JSON.stringify({ ...(testSend.valid(f) as object), to: 'a@example.jp\r\nBcc: b@example.jp' })),
    status: 422,
    code: 'invalid',
    names: ['to'],
  },

  ...keyCases(endTest.route, (f) => send(endTest, f, JSON.stringify(endTest.valid(f)))),
  ...bodyCases(endTest),
  ...missingFieldCases(endTest, ['/stage', '/step', '/keep']),
  ...stringFieldCases(endTest, { '/stage': strict, '/keep': { kind: 'ignored', max: 100 } }),
  ...badIdCases(endTest.route, (key) => `/v1/cadences/${key}/variants/end`, admin, KEY_STATUS, BAD_KEYS).map((row) => ({
    ...row,
    request: (f: Fixtures) => ({ ...row.request(f), payload: endTest.valid(f) as object }),
  })),
  {
    route: endTest.route,
    case: 'a key no cadence has',
    request: (f) => ({
      method: 'POST',
      url: '/v1/cadences/no-such-cadence/variants/end',
      headers: auth,
      payload: endTest.valid(f) as object,
    }),
    status: 404,
    code: 'not_found',
  },
  endTestRow('a step that tests no variants', { stage: 'nurturing', step: 0, keep: 'welcome' }, 422, 'invalid', [
    'step',
  ]),
  endTestRow('a step the cadence does not have', { stage: 'nurturing', step: 99, keep: 'welcome' }, 422, 'invalid', [
    'step',
  ]),
  endTestRow('a step over 99', { stage: 'nurturing', step: 100, keep: 'welcome' }, 422, 'invalid', ['step']),
  endTestRow('a step that is no integer', { stage: 'nurturing', step: 1.5, keep: 'welcome' }, 422, 'invalid', ['step']),
  endTestRow('an unknown stage', { stage: 'deal', step: 0, keep: 'welcome' }, 422, 'invalid', ['stage']),
  endTestRow('an empty keep', { stage: 'nurturing', step: 0, keep: '' }, 422, 'invalid', ['keep']),

  ...keyCases('GET /v1/cadences', () => ({ method: 'GET', url: '/v1/cadences', headers: auth })),
  ...queryCases('GET /v1/cadences', '/v1/cadences', admin, [['an unknown parameter', { limit: '5' }, 422, 'limit']]),
];
