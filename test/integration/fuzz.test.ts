import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import type { Client } from '@temporalio/client';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leadWorkflowId } from '../../domain/lead.ts';
import { startHostileInputSuite } from './bad-input/fixtures.ts';
import type { Fixtures } from './bad-input/table.ts';
import { expectErrorFormat } from '../support/error-format.ts';
import { auth } from '../support/services.ts';
import { settleWorkflowCount, snapshotState } from '../support/state-snapshot.ts';

// Property: whatever JSON a client with a valid key (or a valid signature) sends to a JSON
// route, the answer is below 500, in the error format when 4xx, and a rejected request
// changes nothing. Bounded and seeded: each run draws a new seed and prints it, so runs
// explore different bodies; FUZZ_SEED=<n> replays a run (fast-check's failure report gives
// the seed and the path of the failing body); FUZZ_RUNS sets the number of requests per route.
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : randomInt(2 ** 31);
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
process.stdout.write(
  `[fuzz] seed ${SEED} (FUZZ_SEED=${SEED} npx vitest run test/integration/fuzz.test.ts replays this run)\n`,
);

/**
 * Failures found by earlier runs, kept as cases that run every time: the route, and the
 * seed and path fast-check reported ("Counterexample ... seed: <n>, path: "<p>"), which
 * replay exactly the failing body. Add one with the fix of what it found.
 */
const KEPT_FAILURES: { route: string; seed: number; path: string; found: string }[] = [];

/** A JSON route: how to send a body to it, and a body it accepts (mutated by the fuzzer). */
interface JsonRoute {
  name: string;
  send: (f: Fixtures, raw: string) => InjectOptions;
  valid: (f: Fixtures) => Record<string, unknown> | unknown[];
}

const withKey =
  (method: 'POST' | 'PUT', url: string) =>
  (_f: Fixtures, raw: string): InjectOptions => ({
    method,
    url,
    headers: { ...auth, 'content-type': 'application/json' },
    payload: raw,
  });

const ROUTES: JsonRoute[] = [
  {
    name: 'POST /v1/leads',
    send: withKey('POST', '/v1/leads'),
    valid: (f) => ({
      email: f.leadEmail,
      name: '山田',
      company: 'Co',
      postalAddress: { postalCode: '100-0001', prefecture: '東京都', city: '千代田区', line1: '1-1' },
    }),
  },
  {
    name: 'POST /v1/events',
    send: withKey('POST', '/v1/events'),
    valid: (f) => ({ leadId: f.leadId, type: 'web_visit', id: 'fuzz' }),
  },
  {
    name: 'PUT /v1/cadences/:key',
    send: withKey('PUT', '/v1/cadences/fuzz'),
    valid: () => ({ name: 'Fuzz', nurture: { steps: [{ after: 'P1D', channel: 'email', template: 'welcome' }] } }),
  },
  {
    name: 'PUT /v1/templates/:key',
    send: withKey('PUT', '/v1/templates/fuzz'),
    valid: () => ({
      subject: 'Hi {{lead.name}}',
      mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hi</mj-text></mj-column></mj-section></mj-body></mjml>',
    }),
  },
  {
    name: 'POST /v1/templates/:key/preview',
    send: withKey('POST', '/v1/templates/fuzz/preview'),
    valid: () => ({ subject: 'Hi', mjml: '<mjml><mj-body></mj-body></mjml>', lead: { name: 'x' } }),
  },
  {
    name: 'POST /v1/cadences/preview-timeline',
    send: withKey('POST', '/v1/cadences/preview-timeline'),
    valid: () => ({
      cadence: { name: 'Fuzz', nurture: { steps: [{ after: 'P1D', channel: 'email', template: 'welcome' }] } },
      start: '2026-01-05T09:00:00+09:00',
      count: 3,
    }),
  },
  {
    name: 'POST /v1/leads/:id/owner',
    send: (f, raw) => withKey('POST', `/v1/leads/${f.leadId}/owner`)(f, raw),
    valid: () => ({ ownerEmail: 'rep@example.jp' }),
  },
  {
    name: 'POST /v1/leads/:id/stage',
    send: (f, raw) => withKey('POST', `/v1/leads/${f.leadId}/stage`)(f, raw),
    valid: () => ({ stage: 'deal', reason: 'fuzz' }),
  },
  { name: 'POST /v1/api-keys', send: withKey('POST', '/v1/api-keys'), valid: () => ({ name: 'fuzz', role: 'sales' }) },
  {
    name: 'POST /v1/dm-tasks/complete',
    send: withKey('POST', '/v1/dm-tasks/complete'),
    valid: () => ({ ids: ['00000000-0000-4000-8000-000000000000'] }),
  },
  {
    name: 'POST /v1/webhooks/crm/generic',
    send: (f, raw) => ({
      method: 'POST',
      url: '/v1/webhooks/crm/generic',
      headers: { ...f.sign.generic(Buffer.from(raw)), 'content-type': 'application/json' },
      payload: raw,
    }),
    valid: (f) => ({
      id: 'fuzz',
      type: 'deal.stage_changed',
      occurredAt: '2026-01-05T10:00:00Z',
      data: { leadId: f.leadId, stage: 'Proposal' },
    }),
  },
  {
    name: 'POST /v1/webhooks/crm/zoho',
    send: (f, raw) => ({
      method: 'POST',
      url: '/v1/webhooks/crm/zoho',
      headers: { ...f.sign.zoho(), 'content-type': 'application/json' },
      payload: raw,
    }),
    valid: (f) => ({ module: 'Leads', record_id: 'fuzz', email: f.leadEmail, last_name: '山田' }),
  },
  {
    name: 'POST /v1/webhooks/mail/mailgun',
    send: (_f, raw) => ({
      method: 'POST',
      url: '/v1/webhooks/mail/mailgun',
      headers: { 'content-type': 'application/json' },
      payload: raw,
    }),
    valid: (f) => ({
      signature: f.mailgunSignature(),
      'event-data': { event: 'failed', recipient: 'stranger@example.jp', id: 'fuzz' },
    }),
  },
  {
    name: 'POST /v1/webhooks/mail/sendgrid',
    send: (f, raw) => ({
      method: 'POST',
      url: '/v1/webhooks/mail/sendgrid',
      headers: { ...f.sign.sendgrid(Buffer.from(raw)), 'content-type': 'application/json' },
      payload: raw,
    }),
    valid: () => [
      { email: 'stranger@example.jp', event: 'bounce', sg_event_id: 'fuzz', timestamp: Math.floor(Date.now() / 1000) },
    ],
  },
];

/** Values a hostile or careless client puts where a field goes. */
const hostileValue = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom(
    "'; DROP TABLE leads;--",
    '<script>alert(1)</script>',
    'a\u0000b',
    '\u202Eexe',
    '😀',
    '\ud800',
    'x'.repeat(10_000),
    -1,
    1e308,
    null,
    true,
    [],
    {},
  ),
  fc.string({ unit: 'binary', maxLength: 50 }),
);

/** A body: arbitrary JSON, or the valid body with fields replaced, removed or added. */
function bodyFor(route: JsonRoute, f: Fixtures): fc.Arbitrary<unknown> {
  const valid = route.valid(f);
  const keys = Object.keys(Array.isArray(valid) ? (valid[0] as object) : valid);
  const mutate = fc
    .tuple(fc.constantFrom(...keys, 'unexpected'), hostileValue, fc.boolean())
    .map(([key, value, remove]) => {
      const copy = structuredClone(valid) as Record<string, unknown> | Record<string, unknown>[];
      const target = (Array.isArray(copy) ? copy[0] : copy) as Record<string, unknown>;
      if (remove) delete target[key];
      else target[key] = value;
      return copy;
    });
  return fc.oneof(
    mutate,
    mutate,
    fc.jsonValue({ maxDepth: 4 }),
    fc.anything({ maxDepth: 3, withNullPrototype: false }).map((v) => (v === undefined ? null : v)),
  );
}

describe('fuzzing the JSON routes', () => {
  let app: FastifyInstance;
  let pool: pg.Pool;
  let client: Client;
  let taskQueue: string;
  let f: Fixtures;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ app, pool, client, taskQueue, f, stop } = await startHostileInputSuite());
  });
  afterAll(async () => stop());

  /** The property for one route: below 500, the error format when 4xx, a rejection changes nothing. */
  const property = (route: JsonRoute) => {
    const watched = [leadWorkflowId(f.leadId)];
    return fc.asyncProperty(
      fc.constant(null).chain(() => bodyFor(route, f)),
      async (body) => {
        const raw = JSON.stringify(body) ?? 'null';
        const leads = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM leads')).rows[0]?.n);
        await settleWorkflowCount(client, taskQueue, leads);
        const before = await snapshotState(pool, client, taskQueue, watched);
        const response = await app.inject(route.send(f, raw));
        expect(
          response.statusCode,
          `${response.statusCode} ${response.body.slice(0, 300)} for ${raw.slice(0, 300)}`,
        ).toBeLessThan(500);
        if (response.statusCode >= 400) {
          expectErrorFormat(response);
          expect(await snapshotState(pool, client, taskQueue, watched)).toEqual(before);
        }
      },
    );
  };

  for (const route of ROUTES) {
    it(`${route.name}: never a 5xx, always the error format, a rejection changes nothing`, async () => {
      await fc.assert(property(route), { seed: SEED, numRuns: RUNS, endOnFailure: true });
    });
  }

  it('keeps every failure found before as a case, each for a route that exists', () => {
    for (const kept of KEPT_FAILURES) expect(ROUTES.map((r) => r.name)).toContain(kept.route);
  });
  for (const kept of KEPT_FAILURES) {
    it(`${kept.route}: the body seed ${kept.seed} found (${kept.found}) is handled`, async () => {
      const route = ROUTES.find((r) => r.name === kept.route)!;
      await fc.assert(property(route), { seed: kept.seed, path: kept.path, endOnFailure: true });
    });
  }
});
